"""How an App's path is rendered: its ``RenderOptions``, with what they read from elsewhere.

Most of an App's render options come from its spec; some need more: substitution's
``substituteFrom`` and Helm's ``valuesFrom`` are read from the target with the App's own
rights, Helm is told the target's version and API set (and, when the App allows
``lookup``, how to read the target as its service account), and SOPS gets the keys of the
App's decryption Secret. The programs the render runs (sops, the Helm helper) are built
on first use. Values read from Secrets are returned apart, to be masked wherever they land.

The *untrusted* mode, for a ref under review (a pull request's, see ``trueup.preview``),
is decided here and nowhere else: a pull request could copy ``${SECRET}`` into a
ConfigMap and have it shown to everyone. So no Secret is read (``substituteFrom`` and
``valuesFrom`` Secrets are left out, and a variable no other place sets becomes the
placeholder ``UNREAD_SECRET``), SOPS files are not decrypted
(``RenderOptions.untrusted``), Helm's ``lookup`` finds nothing, and the render is not
cached. ConfigMaps are still read from the target, when there is one; without one, an
App that needs a ConfigMap is refused with a message saying so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from trueup.config import App, LoadedConfig
from trueup.config.decryption import identities_of, pgp_keys_of
from trueup.config.value_refs import ObjectRef
from trueup.errors import ConfigError
from trueup.inputs.helm_lookup import lookup_access
from trueup.inputs.objects import InputData, read_inputs
from trueup.inputs.render_cache import render_key
from trueup.inputs.variables import merged_variables, read_variables
from trueup.render import RenderLimits, RenderOptions
from trueup.render.helm import HasCapabilities, HelmRender, helm_binary, values_documents
from trueup.render.sops_keys import SopsKeys
from trueup.render.sops_run import sops_binary
from trueup.render.substitute import Substitution
from trueup.source.from_config import repository_for
from trueup.targets import Target

UNREAD_SECRET = "<secret>"  # noqa: S105 - a placeholder, not a secret
"""What a variable becomes in an untrusted render when a Secret, not read, may set it:
text that YAML reads as a string wherever a variable can stand."""


@dataclass(frozen=True, slots=True)
class RenderSetup:
    """The options of one render of an App, and the secret values they carry."""

    options: RenderOptions
    masked: frozenset[str] = frozenset()
    cache_key: str | None = None
    """What the render reads besides the tree, hashed (see ``inputs.render_cache``); None:
    the render reads what no key pins down and must not be cached."""
    input_digests: tuple[str, ...] = ()
    """The sha256 of each ConfigMap and Secret read from the cluster (``substituteFrom``,
    then ``valuesFrom``): recorded with each attempt, never the values themselves."""


async def render_setup(
    app: App,
    config: LoadedConfig,
    target: Target | None,
    limits: RenderLimits,
    *,
    untrusted: bool = False,
) -> RenderSetup:
    """The render options of ``app``, reading what they need from ``target`` and ``config``;
    ``untrusted``: for a ref under review (see the module's docstring), where ``target``
    may be None (no cluster configured).

    Raises as ``read_inputs`` does for a missing or unreadable ConfigMap or Secret,
    ``ConfigError`` for an untrusted render that needs a ConfigMap and has no target, and
    ``ToolBuildError`` when sops or the Helm helper cannot be built.
    """
    if target is None and not untrusted:
        raise ConfigError(f"{app.id}: rendering it needs its target cluster")
    source = config.source_of(app)
    allow_remote = app.spec.kustomize.allow_remote_bases
    options = RenderOptions(
        ignore=tuple((source.spec.ignore or "").splitlines()),
        limits=limits,
        allow_remote_bases=allow_remote,
        # Remote bases (https, anonymous) trust the GitSource's private CA too.
        remote_ca_cert=repository_for(source, config).ca_cert if allow_remote else None,
        untrusted=untrusted,
    )
    masked: frozenset[str] = frozenset()
    digests: tuple[str, ...] = ()
    if app.spec.substitutes:
        if untrusted:
            refs = app.spec.substitute_from
            inputs = await _trusted_inputs(app, target, refs, "spec.substituteFrom")
            variables = merged_variables(inputs, app.spec.substitute)
            substitution = Substitution(
                variables.values,
                strict=app.spec.substitute_strict,
                unset=UNREAD_SECRET if any(ref.kind == "Secret" for ref in refs) else None,
            )
        else:
            assert target is not None
            variables = await read_variables(target, app.spec)
            substitution = Substitution(variables.values, strict=app.spec.substitute_strict)
        options, masked = replace(options, substitution=substitution), variables.masked
        digests = variables.digests
    if app.spec.decryption is not None and not untrusted:
        options = replace(options, decryption=await _sops_keys(app, config))
    if app.spec.kustomize.enable_helm:
        helper = await asyncio.to_thread(helm_binary, _quiet)
        options = replace(options, kustomize_helm=str(helper))
    if app.spec.helm is not None:
        chart, values_masked, values_digests = await _helm(app, target, limits, untrusted)
        options, masked = replace(options, helm=chart), masked | values_masked
        digests += values_digests
    # An untrusted render is never kept: a trusted sync must not be served from it.
    key = None if untrusted else render_key(app, options, digests)
    return RenderSetup(options, masked, key, digests)


async def _trusted_inputs(
    app: App, target: Target | None, refs: Sequence[ObjectRef], field: str
) -> tuple[InputData, ...]:
    """The ConfigMaps of ``refs`` for an untrusted render: never a Secret."""
    configmaps = [ref for ref in refs if ref.kind != "Secret"]
    if configmaps and target is None:
        shown = ", ".join(f"ConfigMap {ref.name}" for ref in configmaps)
        raise ConfigError(
            f"{app.id}: {field} reads {shown} from the cluster, and no cluster is configured; "
            "give --kubeconfig (read access to those ConfigMaps is enough), or preview "
            "another App"
        )
    if not configmaps:
        return ()
    assert target is not None
    return await read_inputs(target, configmaps, app.spec.namespace, field)


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
    app: App, target: Target | None, limits: RenderLimits, untrusted: bool
) -> tuple[HelmRender, frozenset[str], tuple[str, ...]]:
    """What the Helm helper needs: values from the cluster, its version and API set; and
    the digest of each ``valuesFrom`` object. Untrusted: no Secret values, no ``lookup``."""
    helm = app.spec.helm
    assert helm is not None
    field = "spec.helm.valuesFrom"
    if untrusted:
        inputs = await _trusted_inputs(app, target, helm.values_from, field)
        helm = helm.model_copy(update={"lookup": False})
    else:
        assert target is not None
        inputs = await read_inputs(target, helm.values_from, app.spec.namespace, field)
    documents, masked = values_documents(inputs, limits)
    version, apis = "", tuple[str, ...]()
    if target is not None and isinstance(target, HasCapabilities):
        version, apis = await target.capabilities()
    binary = await asyncio.to_thread(helm_binary, _quiet)
    release = helm.release_name or app.metadata.name
    namespace = app.spec.namespace or "default"
    access = await lookup_access(app, target) if helm.lookup and target is not None else None
    if access is not None and access.token:
        masked |= {access.token}  # never expected in a message, masked all the same
    chart = HelmRender(
        str(binary), helm, release, namespace, version, apis, documents, lookup=access
    )
    return chart, masked, tuple(found.digest for found in inputs)


def _quiet(_message: str) -> None:
    """Building a program on first use says nothing here: ``make build`` builds them ahead."""
