"""A pinned revision's recorded inputs, as a reconcile takes them (``trueup rollback``).

A pin (``store.Pin``) names a commit and what its render read besides the tree when it
was applied: the chart version a range resolved to, the digest of that chart's archive,
and a hash of each ConfigMap and Secret read from the cluster. The engine fetches the
commit (:func:`pinned_ref`), renders the App with the recorded chart version
(:func:`pinned_app`), refuses a chart whose archive is no longer the one recorded
(:func:`chart_problem`: a version republished with other content is not that revision),
and reports values from the cluster that changed since (:func:`values_note`). Such values
are used as they are now: history keeps hashes only, so they cannot be restored from it.
"""

from __future__ import annotations

from trueup.config import App
from trueup.gitspec import GitRef
from trueup.render import Rendered
from trueup.store import Pin


def pinned_ref(pin: Pin) -> GitRef:
    """The ref that fetches the pinned commit, whatever branch or tag it was reached by."""
    return GitRef(commit=pin.commit)


def pinned_app(app: App, pin: Pin | None) -> App:
    """``app`` rendering the chart version recorded for ``pin``, when its chart comes from a
    repository; ``app`` itself otherwise (a chart in the source is the commit's own)."""
    helm = app.spec.helm
    version = pin.inputs.chart_version if pin is not None else ""
    if helm is None or helm.repository is None or not version or helm.version == version:
        return app
    spec = app.spec.model_copy(update={"helm": helm.model_copy(update={"version": version})})
    return app.model_copy(update={"spec": spec})


def chart_problem(app: App, pin: Pin, rendered: Rendered) -> str | None:
    """Why the chart rendered for ``pin`` is not the one recorded for it, or None."""
    helm = app.spec.helm
    recorded = pin.inputs.chart_digest
    if helm is None or helm.repository is None or not recorded:
        return None
    if rendered.chart_digest == recorded:
        return None
    return (
        f"{app.id} is pinned at {pin.revision}, applied with chart {helm.chart} "
        f"{pin.inputs.chart_version} of digest {recorded}; {helm.repository} now serves "
        f"that version with digest {rendered.chart_digest or 'unknown'}: the chart was "
        f"published again with other content. Pin another revision (trueup history "
        f"{app.metadata.name}), or `trueup resume {app.metadata.name}` to follow Git"
    )


def values_note(app: App, pin: Pin, digests: tuple[str, ...]) -> str | None:
    """What to say when the values read from the cluster differ from those recorded for
    ``pin`` (None when they are the same, or none were recorded): the render goes on with
    today's values, which history cannot restore."""
    recorded = pin.inputs.values_digests
    if not recorded or tuple(digests) == recorded:
        return None
    return (
        f"{app.id} is pinned at {pin.revision}, and the ConfigMaps or Secrets it reads values "
        "from in the cluster (valuesFrom, substituteFrom) changed since that revision was "
        "applied: they are used as they are now (history keeps hashes of them, not their "
        "values); restore them by hand if the rollback needs their old content"
    )
