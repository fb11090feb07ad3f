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
    references stay refused.

    With ``enableHelm: true`` (kustomize's ``--enable-helm``), a kustomization's
    ``helmCharts`` are inflated by trueup's pinned Helm, as ``kubectl kustomize
    --enable-helm`` inflates them. Only charts vendored in the repository (under
    ``helmGlobals.chartHome``, ``charts/`` by default) are rendered: kustomize is never
    let pull a chart, so a chart is pinned by the commit like every other file (a chart
    from a repository belongs in ``spec.helm``, which caches it by digest). Without the
    switch, a kustomization with ``helmCharts`` is refused.
    """

    allow_remote_bases: StrictBool = False
    """Let kubectl fetch ``https`` remote bases named by the App's kustomizations."""

    enable_helm: StrictBool = False
    """Inflate the ``helmCharts`` of the App's kustomizations with trueup's Helm."""
