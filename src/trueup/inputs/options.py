"""How an App's path is rendered: its ``RenderOptions``, with what they read from elsewhere.

Most of an App's render options come from its spec; some need more: substitution's
``substituteFrom`` and Helm's ``valuesFrom`` are read from the target with the App's own
rights, Helm is told the target's version and API set (and, when the App allows
``lookup``, how to read the target as its service account), and SOPS gets the keys of the
App's decryption Secret. The programs the render runs (sops, the Helm helper) are built
on first use. Values read from Secrets are returned apart, to be masked wherever they land.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from trueup.config import App, LoadedConfig
from trueup.config.decryption import identities_of, pgp_keys_of
from trueup.errors import ConfigError
from trueup.inputs.helm_lookup import lookup_access
from trueup.inputs.objects import read_inputs
from trueup.inputs.render_cache import render_key
from trueup.inputs.variables import read_variables
from trueup.render import RenderLimits, RenderOptions
from trueup.render.helm import HasCapabilities, HelmRender, helm_binary, values_documents
from trueup.render.sops_keys import SopsKeys
from trueup.render.sops_run import sops_binary
from trueup.render.substitute import Substitution
from trueup.source.from_config import repository_for
from trueup.targets import Target


@dataclass(frozen=True, slots=True)
class RenderSetup:
    """The options of one render of an App, and the secret values they carry."""

    options: RenderOptions
    masked: frozenset[str] = frozenset()
    cache_key: str | None = None
    """What the render reads besides the tree, hashed (see ``inputs.render_cache``); None:
    the render reads what no key pins down and must not be cached."""


async def render_setup(
    app: App, config: LoadedConfig, target: Target, limits: RenderLimits
) -> RenderSetup:
    """The render options of ``app``, reading what they need from ``target`` and ``config``.

    Raises as ``read_inputs`` does for a missing or unreadable ConfigMap or Secret, and
    ``ToolBuildError`` when sops or the Helm helper cannot be built.
    """
    source = config.source_of(app)
    allow_remote = app.spec.kustomize.allow_remote_bases
    options = RenderOptions(
        ignore=tuple((source.spec.ignore or "").splitlines()),
        limits=limits,
        allow_remote_bases=allow_remote,
        # Remote bases (https, anonymous) trust the GitSource's private CA too.
        remote_ca_cert=repository_for(source, config).ca_cert if allow_remote else None,
    )
    masked: frozenset[str] = frozenset()
    digests: tuple[str, ...] = ()
    if app.spec.substitutes:
        variables = await read_variables(target, app.spec)
        substitution = Substitution(variables.values, strict=app.spec.substitute_strict)
        options, masked = replace(options, substitution=substitution), variables.masked
        digests = variables.digests
    if app.spec.decryption is not None:
        options = replace(options, decryption=await _sops_keys(app, config))
    if app.spec.kustomize.enable_helm:
        helper = await asyncio.to_thread(helm_binary, _quiet)
        options = replace(options, kustomize_helm=str(helper))
    if app.spec.helm is not None:
        chart, values_masked, values_digests = await _helm(app, target, limits)
        options, masked = replace(options, helm=chart), masked | values_masked
        digests += values_digests
    return RenderSetup(options, masked, render_key(app, options, digests))


async def _sops_keys(app: App, config: LoadedConfig) -> SopsKeys:
    """The keys of the App's decryption Secret; they reach sops only in its environment."""
    assert app.spec.decryption is not None
    name = app.spec.decryption.secret_ref.name
    secret = config.secret(app.namespace, name)
    if secret is None:  # the loader refuses such an App; a config built otherwise may not
        raise ConfigError(f"{app.id}: spec.decryption.secretRef names Secret {name!r}, not found")
    sops = await asyncio.to_thread(sops_binary, _quiet)
    return SopsKeys(str(sops), identities_of(secret), pgp_keys_of(secret))


async def _helm(
    app: App, target: Target, limits: RenderLimits
) -> tuple[HelmRender, frozenset[str], tuple[str, ...]]:
    """What the Helm helper needs: values from the cluster, its version and API set; and
    the digest of each ``valuesFrom`` object."""
    helm = app.spec.helm
    assert helm is not None
    inputs = await read_inputs(target, helm.values_from, app.spec.namespace, "spec.helm.valuesFrom")
    documents, masked = values_documents(inputs, limits)
    version, apis = "", tuple[str, ...]()
    if isinstance(target, HasCapabilities):
        version, apis = await target.capabilities()
    binary = await asyncio.to_thread(helm_binary, _quiet)
    release = helm.release_name or app.metadata.name
    namespace = app.spec.namespace or "default"
    access = await lookup_access(app, target) if helm.lookup else None
    if access is not None and access.token:
        masked |= {access.token}  # never expected in a message, masked all the same
    chart = HelmRender(
        str(binary), helm, release, namespace, version, apis, documents, lookup=access
    )
    return chart, masked, tuple(found.digest for found in inputs)


def _quiet(_message: str) -> None:
    """Building a program on first use says nothing here: ``make build`` builds them ahead."""
