"""``diff APP --ref REF`` and ``preview --ref REF``: render at a ref and at a base, compare.

Both only read: they fetch and render through the engine (``Engine.fetch`` with the ref,
``Engine.render`` in its untrusted mode, the base too, so that both sides show the same
placeholders), never apply, never write the store, and need no cluster unless an App
reads ConfigMaps from it.

``preview`` chooses the Apps a ref touches as the daemon chooses those a new revision
touches (``daemon.readsets.affected``): every App of the source is rendered at the base to
learn its read-set, and only those whose read-set differs between the two trees are
rendered at the ref. An App that fails to render at the base has no read-set and is always
previewed; an App that fails at the ref is reported with its error, never left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from trueup.config import App, GitSource, LoadedConfig
from trueup.daemon.readsets import affected
from trueup.engine import Engine
from trueup.errors import ConfigError, PermanentError, TemporaryError
from trueup.gitspec import GitRef, RefKind
from trueup.masking import Masker
from trueup.preview.compare import AppPreview, compare_renders
from trueup.preview.refs import fetch_ref
from trueup.render import Rendered
from trueup.source import Artifact

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Preview:
    """Apps compared between two revisions of one GitSource.

    ``base`` and ``ref`` are revisions as history writes them (``main@sha1:…``);
    ``apps`` are the Apps the ref touches, by name; ``unaffected`` the others, by name.
    """

    source: str
    base: str
    ref: str
    apps: tuple[AppPreview, ...]
    unaffected: tuple[str, ...] = ()
    branch: str | None = None
    """The ref's branch, when it is one (a pull request's head: where ``--post`` comments)."""

    @property
    def failed(self) -> bool:
        """Whether an App could not be rendered at the ref."""
        return any(app.error for app in self.apps)


async def diff_ref(engine: Engine, name: str, ref: str, progress: Progress) -> Preview:
    """App ``name`` rendered at ``ref`` against its render at the source's current revision."""
    app = engine.app(name)
    progress(f"fetching {app.spec.source} at its current revision and at {ref}")
    base = await engine.fetch(app)
    found, head = await fetch_ref(engine, app, ref)
    progress(f"rendering {app.spec.path} at {base.revision} and at {head.revision}")
    old, old_error = await _render(engine, app, base)
    new, new_error = await _render(engine, app, head)
    compared = _compared(app, old, old_error, new, new_error)
    return Preview(
        app.spec.source, base.revision, head.revision, (compared,), branch=_branch(found)
    )


async def preview(
    engine: Engine,
    ref: str,
    progress: Progress,
    *,
    base: str | None = None,
    source: str | None = None,
) -> Preview:
    """Every App of ``source`` that ``ref`` touches, compared with ``base`` (default: the
    ref the GitSource follows).

    ``source`` may be omitted when the Apps use one GitSource. Raises ``ConfigError`` for
    an unknown or ambiguous source, and the source's errors for a ref that cannot be fetched.
    """
    chosen = chosen_source(engine.config, source)
    apps = sorted(
        (app for app in engine.config.apps if engine.config.source_of(app) == chosen),
        key=lambda app: app.metadata.name,
    )
    first = apps[0]
    progress(f"fetching {chosen.metadata.name} at {base or 'its ref'} and at {ref}")
    base_tree = (await fetch_ref(engine, first, base))[1] if base else await engine.fetch(first)
    found, head_tree = await fetch_ref(engine, first, ref)
    progress(f"rendering {len(apps)} App(s) at {base_tree.revision}")
    at_base = {app.metadata.name: await _render(engine, app, base_tree) for app in apps}
    reads = {name: rendered.reads for name, (rendered, _) in at_base.items() if rendered}
    names = [app.metadata.name for app in apps]
    touched = set(affected(base_tree.root, head_tree.root, reads, names))
    progress(f"rendering {len(touched)} App(s) touched by {head_tree.revision}")
    previews = []
    for app in apps:
        if app.metadata.name in touched:
            new, new_error = await _render(engine, app, head_tree)
            old, old_error = at_base[app.metadata.name]
            previews.append(_compared(app, old, old_error, new, new_error))
    return Preview(
        chosen.metadata.name,
        base_tree.revision,
        head_tree.revision,
        tuple(previews),
        tuple(name for name in names if name not in touched),
        branch=_branch(found),
    )


def _compared(
    app: App, old: Rendered | None, old_error: str, new: Rendered | None, new_error: str
) -> AppPreview:
    name = app.metadata.name
    if new is None:
        return AppPreview(name, error=new_error, base_error=old_error)
    masked = new.masked_values | (old.masked_values if old else frozenset())
    changes = compare_renders(old.objects if old else (), new.objects, masked)
    return AppPreview(name, changes, base_error=old_error)


async def _render(engine: Engine, app: App, artifact: Artifact) -> tuple[Rendered | None, str]:
    """``app`` rendered untrusted at ``artifact``, or why it could not be (masked)."""
    try:
        return await engine.render(app, artifact, untrusted=True), ""
    except (PermanentError, TemporaryError) as e:
        return None, Masker(engine.config.secret_values())(f"{app.id}: {e}")


def _branch(ref: GitRef) -> str | None:
    return ref.value if ref.kind is RefKind.BRANCH else None


def chosen_source(config: LoadedConfig, name: str | None) -> GitSource:
    """The GitSource to preview: ``name``, or the only one the Apps use."""
    used = [s for s in config.sources if any(config.source_of(a) == s for a in config.apps)]
    if name is not None:
        named = [s for s in used if s.metadata.name == name]
        if len(named) == 1:
            return named[0]
        known = ", ".join(sorted({s.metadata.name for s in used})) or "none"
        what = "no App uses" if not named else "several namespaces hold"
        raise ConfigError(f"{what} GitSource {name!r} (GitSources with Apps: {known})")
    if len(used) == 1:
        return used[0]
    if not used:
        raise ConfigError("the configuration has no App to preview")
    known = ", ".join(sorted(s.metadata.name for s in used))
    raise ConfigError(f"the Apps use several GitSources ({known}); choose one with --source")
