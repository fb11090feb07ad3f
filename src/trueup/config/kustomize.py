"""``spec.kustomize`` of an ``App``: what a kustomization in the App's path may do."""

from __future__ import annotations

from pydantic import StrictBool

from trueup.config.meta import ConfigModel


class KustomizeSpec(ConfigModel):
    """Switches for ``kubectl kustomize`` builds of the App; everything off by default.

    With ``allowRemoteBases: true``, a kustomization may name remote bases (and remote
    resources) by ``https://`` or ``git::https://`` URL; kubectl fetches them anonymously
    at every render, trusting the system's certificate authorities and the ``ca.crt`` of
    the App's GitSource Secret. A remote base is not covered by the GitSource's pinning or
    signature checks. ssh, plain http, ``file:`` and shorthand (``github.com/...``)
    references stay refused. Helm charts inside a kustomization (``helmCharts``) are
    always refused for now.
    """

    allow_remote_bases: StrictBool = False
    """Let kubectl fetch ``https`` remote bases named by the App's kustomizations."""
