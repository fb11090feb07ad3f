"""Notes for settings that a one-shot command does not act on, so none does nothing silently.

``spec.interval`` and ``spec.selfHeal`` of an App, and ``spec.interval`` of its GitSource,
are settings of the daemon (``trueup serve``): how often it reconciles, whether it corrects
drift on its own, how often it asks Git for new commits. ``trueup sync`` runs once, so it
says so when the App's configuration sets one of them.
"""

from __future__ import annotations

from trueup.config import App, GitSource


def daemon_settings_note(app: App, source: GitSource) -> str | None:
    """A note naming the daemon settings ``app`` and its ``source`` set, or None."""
    named = [
        f"{app.id} spec.{name}" for field, name in _APP_FIELDS if field in app.spec.model_fields_set
    ]
    if "interval" in source.spec.model_fields_set:
        named.append(f"{source.id} spec.interval")
    if not named:
        return None
    verb = "applies" if len(named) == 1 else "apply"
    return (
        f"{', '.join(named)} {verb} under the daemon (trueup serve), not to this one-shot "
        "sync; to correct drift without the daemon, run trueup sync again"
    )


_APP_FIELDS = (("interval", "interval"), ("self_heal", "selfHeal"))
