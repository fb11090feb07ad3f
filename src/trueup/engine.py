"""The reconcile pipeline: source → render → plan → apply → prune → health → record.

One code path for the CLI's one-shot ``sync`` and for the daemon: every step is awaited,
cancellable, and free of global state, so many apps can run at once on one event loop.
Each step lives in its own layer; this module only strings them together, in order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from trueup import apply
from trueup.apply.hooks import HookOptions, HookResult, run_hooks
from trueup.apply.known import still_known
from trueup.changeset import Action, ChangeSet, ObjectChange
from trueup.config import App, LoadedConfig
from trueup.errors import (
    ConfigError,
    OwnershipError,
    PermanentError,
    RenderError,
    SourceError,
    SourceUnavailableError,
    TemporaryError,
)
from trueup.failure import Failure, Reason
from trueup.gitspec import Commit, GitRef
from trueup.health import HealthResult, HealthStatus, aggregate, health_of
from trueup.inputs import render_setup
from trueup.inputs.pinned import chart_problem, pinned_app, pinned_ref, values_note
from trueup.inputs.render_cache import RenderCache
from trueup.masking import Masker, secret_values
from trueup.objects import Object, ObjectId, Origin, object_id
from trueup.plan import (
    AppRef,
    DependencyState,
    IgnoreRule,
    IgnoreTarget,
    Plan,
    PrunePlan,
    cascades,
    dependency_refusal,
    ignore_differences,
    plan_adoption,
    plan_prune,
    plan_stages,
    prepare,
)
from trueup.plan.hooks import Hook, HookPhase, hooks_due, hooks_of
from trueup.plan.selection import ObjectName, partial_summary, select
from trueup.render import Rendered, RenderLimits, render_async
from trueup.render.helm_unstable import unstable_rules, unstable_warnings
from trueup.source import Artifact, Source
from trueup.source.from_config import repository_for
from trueup.store import (
    AppLock,
    Attempt,
    AttemptResult,
    Confirmation,
    InventoryEntry,
    Outcome,
    Pin,
    RecordedInputs,
    Store,
)
from trueup.store.locking import describe_holder, hold_app_lock
from trueup.store.recorder import AttemptLog, refuse_other_target
from trueup.targets import FieldValidation, Target
from trueup.words import counted

Progress = Callable[[str], None]
HEALTHY = HealthStatus.HEALTHY
_UNHEALTHY = (Reason.TIMEOUT, Reason.DEGRADED)


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How one reconcile runs; None means "as the App's spec says"."""

    dry_run: bool = False
    prune: bool | None = None
    wait: bool | None = None
    timeout: float | None = None
    trigger: str = "cli"
    ignore_dependencies: bool = False
    """Sync even if an App in ``spec.dependsOn`` is not ready (see plan.dependencies)."""
    lock_wait: float | None = None
    """Seconds to wait for the App's lock while another process reconciles it; None: as
    long as it takes (the CLI says whom it waits for)."""
    deadline: float | None = None
    """Seconds the whole reconcile may take before it is stopped and recorded as failed
    (the daemon's ``spec.timeout``); None: no limit (a person at the CLI can stop it)."""
    live_cache: apply.LiveCache | None = None
    """The daemon's watch cache of trueup's objects: the desired objects' live state is
    read from it where it covers their kinds (see ``apply.cached``); not for an App with
    ``adopt: false``, which must find every object it cannot take before applying any."""
    ref: GitRef | None = None
    """Compare this ref of the App's source (``diff APP --ref REF --live``) instead of the
    one it follows: only in a dry run; fetched and rendered as an untrusted ref (see
    ``Engine.render``), and no comparison is noted, since it is not what Git says now."""
    only: frozenset[ObjectName] = frozenset()
    """Apply only these of the objects the revision renders (``sync --object``), each in
    its stage; empty: the whole App. Such a partial sync refuses a name the App does not
    render (before anything is recorded), never prunes, runs no hooks, changes no other
    inventory entry, records no comparison of the App with its target, and never counts as
    the App's last successful sync (``Attempt.only``)."""


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one reconcile did: revision, change set, health, and the error if any."""

    app: str
    revision: str | None
    changes: ChangeSet = field(default_factory=ChangeSet)
    health: HealthStatus = HealthStatus.UNKNOWN
    commit: Commit | None = None
    """The revision's commit: author, subject (masked like every message) and time."""
    object_health: Mapping[ObjectId, HealthResult] = field(default_factory=dict)
    diffs: Mapping[ObjectId, tuple[Object | None, Object]] = field(default_factory=dict)
    """(live before, server dry-run result) of each created or configured object."""
    deletions: Mapping[ObjectId, Object] = field(default_factory=dict)
    """The live objects prune deletes (or, in a dry run, would delete)."""
    plan: Plan | None = None
    """What the sync set out to do: stages and prune decisions (None if it failed earlier)."""
    failure: Failure | None = None
    """Why the sync failed, typed (its reason decides retry or stop); None when it did not."""
    reads: frozenset[str] = frozenset()
    """What the render read (see ``Rendered.reads``); empty when it did not render."""
    warnings: tuple[str, ...] = ()
    """What the user should know that is no failure (fields of a chart that change at every
    render, whose live values are kept)."""
    masked_values: frozenset[str] = frozenset()
    """Values taken from secret places (Secrets, decrypted files) that every output of this
    report masks: what ``diff`` prints, say, beyond what the report's messages already hide."""
    only: frozenset[ObjectId] = frozenset()
    """The objects a partial sync was limited to (``SyncOptions.only``, found in the
    render); empty for a sync of the whole App."""

    @property
    def summary(self) -> str:
        """The change set in one line; a partial sync's says first what it was limited to."""
        summary = self.changes.summary()
        return partial_summary(self.only, summary) if self.only else summary

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return self.failure is None

    @property
    def error(self) -> str:
        """The failure's message, or '' when nothing failed."""
        return self.failure.message if self.failure else ""


class Targets(Protocol):
    """Where apps are applied: a target per kubeconfig and context (see KubernetesTargets)."""

    def get(
        self,
        kubeconfig: str | None = None,
        context: str | None = None,
        *,
        impersonate: str | None = None,
    ) -> Target:
        """The target for that kubeconfig and context (the defaults where None), as a user."""
        ...


class Engine:
    """Reconciles the apps of one configuration against their targets, recording each try."""

    def __init__(
        self,
        config: LoadedConfig,
        store: Store,
        fetcher: Source,
        targets: Targets,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        render_limits: RenderLimits | None = None,
        installation: str | None = None,
    ) -> None:
        self.config, self.store, self.fetcher, self.targets = config, store, fetcher, targets
        self._clock = clock
        self._render_limits = render_limits or RenderLimits()
        self._installation = installation
        """The installation id to mark objects with; None: the store's own."""
        self.render_cache = RenderCache()
        """Recent renders: a warm sync of an unchanged revision and inputs skips rendering."""

    def app(self, name: str) -> App:
        """The App called ``name``, or a ConfigError listing the known ones."""
        for app in self.config.apps:
            if app.metadata.name == name:
                return app
        known = ", ".join(sorted(a.metadata.name for a in self.config.apps)) or "none"
        raise ConfigError(f"App/{name} is not in the configuration (apps: {known})")

    def target(self, app: App) -> Target:
        """Where ``app`` is applied: its own kubeconfig and context, else the defaults.

        An App with ``serviceAccountName`` acts as that service account, so the cluster's
        RBAC limits what its repository can change.
        """
        spec = app.spec
        return self.targets.get(spec.kubeconfig, spec.context, impersonate=spec.impersonated_user)

    async def fetch(
        self, app: App, ref: GitRef | None = None, *, pin: Pin | None = None
    ) -> Artifact:
        """Step 1, source: the App's Git source at its current revision, or at ``ref``.

        A ``ref`` under review is fetched without the source's signature check
        (``spec.verify``): its commits are only rendered and compared, never applied.
        A ``pin`` (``trueup rollback``) fetches its commit by id, checked as the source's
        own commits are.
        """
        source = self.config.source_of(app)
        repository = repository_for(source, self.config)
        if ref is not None:
            repository = replace(repository, ref=ref, verify=None)
        elif pin is not None:
            repository = replace(repository, ref=pinned_ref(pin))
        try:
            return await self.fetcher.fetch(repository)
        except (SourceError, SourceUnavailableError) as e:
            # The user's configuration names sources, not URLs: say which one failed; git's
            # words may quote a credential of the configuration (build and dependsOn too).
            masked = Masker(self.config.secret_values())(f"{source.id}: {e}")
            raise type(e)(masked) from None

    async def render(self, app: App, artifact: Artifact, *, untrusted: bool = False) -> Rendered:
        """Step 2, render: the objects at the App's path in that revision.

        What the render reads besides the tree (values from the cluster, keys) comes from
        ``inputs.render_setup``; the values it took from secret places are in the result's
        ``masked_values``, and masked in its error. A render of the same commit with the same
        ``setup.cache_key`` is taken from ``render_cache`` instead (failures are not kept).
        ``untrusted``: a ref under review, rendered without secrets (see ``render_setup``),
        also where no cluster is configured.
        """
        target = self._target_if_any(app) if untrusted else self.target(app)
        setup = await render_setup(
            app, self.config, target, self._render_limits, untrusted=untrusted
        )
        rendered = self.render_cache.get(str(app.id), setup.cache_key, artifact)
        if rendered is None:
            try:
                rendered = await render_async(artifact.root, app.spec.path, setup.options)
            except RenderError as e:
                raise RenderError(Masker(setup.masked)(str(e))) from None
            self.render_cache.put(str(app.id), setup.cache_key, artifact, rendered)
        return replace(
            rendered,
            masked_values=rendered.masked_values | setup.masked,
            input_digests=setup.input_digests,
        )

    def _target_if_any(self, app: App) -> Target | None:
        """``app``'s target, or None when no cluster is configured for it."""
        try:
            return self.target(app)
        except ConfigError:
            return None

    async def owner(self, app: App) -> AppRef:
        """``app`` as the owner of the objects it applies, in this installation."""
        if self._installation is None:
            # Made on the store's first use, then never changed: read once per Engine.
            self._installation = await self.store.installation_id()
        return AppRef(app.metadata.name, app.namespace, self._installation)

    async def desired(self, app: App, rendered: Rendered, target: Target) -> tuple[Object, ...]:
        """Step 3a, plan: rendered objects with namespaces defaulted and owner marks set."""
        scopes: dict[tuple[str, str], bool | None] = {}
        for obj in rendered.objects:
            oid = object_id(obj)
            if (oid.group, oid.kind) not in scopes:
                info = await target.resolve(str(obj.get("apiVersion", "")), oid.kind)
                scopes[(oid.group, oid.kind)] = info.namespaced if info else None
        return prepare(
            rendered.objects,
            app=await self.owner(app),
            default_namespace=app.spec.namespace or "default",
            is_namespaced=lambda group, kind: scopes.get((group, kind)),
            origins=rendered.origins,
        )

    async def suspended(self, app: App) -> str | None:
        """Why ``app`` must not be reconciled now (suspended in its spec or with
        ``trueup suspend``), or None; the one rule for the CLI and the daemon."""
        if app.spec.suspend:
            return f"{app.id} is suspended (spec.suspend: true); set it to false to sync it"
        held = (await self.store.suspensions()).get(app.metadata.name)
        if held is None:
            return None
        why = f" ({held.reason})" if held.reason else ""
        return (
            f"{app.id} is suspended by {held.by} since {held.at:%Y-%m-%d %H:%M:%S} UTC{why}; "
            f"`trueup resume {app.metadata.name}` lets it be reconciled again"
        )

    async def sync(self, name: str, options: SyncOptions, progress: Progress) -> SyncReport:
        """Reconcile App ``name`` once and record the attempt; never raises for its failures.

        A sync that changes the target holds the App's lock in the store while it runs, so
        that the daemon and the CLI, in any process sharing the store, never interleave on
        one App; it waits for another holder up to ``options.lock_wait``.
        """
        app = self.app(name)
        if (why := await self.suspended(app)) is not None:
            return SyncReport(app=name, revision=None, failure=Failure(Reason.CONFIG, why))
        if options.ref is not None and not options.dry_run:
            why = f"{app.id}: a ref under review is only compared, never applied (a dry run)"
            return SyncReport(app=name, revision=None, failure=Failure(Reason.CONFIG, why))
        if options.only and options.prune:
            why = f"{app.id}: a sync of named objects never prunes; sync the whole App to prune"
            return SyncReport(app=name, revision=None, failure=Failure(Reason.CONFIG, why))
        if app.spec.depends_on and not (options.dry_run or options.ignore_dependencies):
            progress(f"checking {counted(len(app.spec.depends_on), 'dependency', 'dependencies')}")
            refusal = dependency_refusal(str(app.id), await self._dependencies(app))
            if refusal is not None:
                failure = Failure(Reason.DEPENDENCY, refusal)
                return SyncReport(app=name, revision=None, failure=failure)
        try:
            # Refusals before anything ran are not attempts (as an unknown or suspended App).
            identity = self.target(app).identity
            await refuse_other_target(self.store, name, identity)
        except PermanentError as e:
            return SyncReport(app=name, revision=None, failure=Failure.from_error(e))
        if options.dry_run:
            return await self._attempt(app, options, progress, identity)

        def waiting(lock: AppLock) -> None:
            progress(f"waiting for {app.id}: {describe_holder(lock)} is reconciling it")

        lease = hold_app_lock(
            self.store,
            name,
            purpose=options.trigger,
            wait=None if options.lock_wait is None else timedelta(seconds=options.lock_wait),
            on_wait=waiting,
        )
        try:
            async with lease:
                return await self._attempt(app, options, progress, identity)
        except TemporaryError as e:
            if lease.lock is not None and not lease.lost:
                raise  # the store, not the lock
            return SyncReport(app=name, revision=None, failure=Failure(Reason.LOCKED, str(e)))

    async def _attempt(
        self, app: App, options: SyncOptions, progress: Progress, identity: str
    ) -> SyncReport:
        """Fetch, render, plan, apply, prune and check health once, recording the attempt.

        A partial sync (``options.only``) is recorded from the moment the render is found
        to hold every object it names: until then, nothing of it ran.
        """
        name = app.metadata.name
        started, began = self._clock(), time.monotonic()
        log = None
        if not options.dry_run and not options.only:
            log = await AttemptLog.start(
                self.store, name, target=identity, trigger=options.trigger, started=started
            )
        revision: str | None = None
        commit: Commit | None = None
        only: frozenset[ObjectId] = frozenset()
        masker = Masker(self.config.secret_values())
        deadline = asyncio.timeout(options.deadline)
        notes: tuple[str, ...] = ()
        inventory: tuple[InventoryEntry, ...] | None = None
        known: apply.Known = {}
        try:
            async with deadline:
                # A pinned App (``trueup rollback``) reconciles its pinned revision: the pin
                # is an input of this one pipeline, for every sync, diff and drift check.
                pin = None if options.ref is not None else (await self.store.pins()).get(name)
                progress(f"fetching {app.spec.source}")
                artifact = await self.fetch(app, options.ref, pin=pin)
                revision, commit = artifact.revision, artifact.details
                if pin is not None:
                    revision = pin.revision  # as recorded, not as reached by its commit id
                if log is not None:
                    shown = _masked_commit(masker, commit)
                    await log.progress(self._clock(), revision=revision, commit=shown)
                progress(f"rendering {app.spec.path} at {revision}")
                rendered = await self.render(
                    pinned_app(app, pin), artifact, untrusted=options.ref is not None
                )
                if pin is not None:
                    if (problem := chart_problem(app, pin, rendered)) is not None:
                        raise RenderError(problem)
                    notes = tuple(filter(None, [values_note(app, pin, rendered.input_digests)]))
                hook_objects = (hook.obj for hook in rendered.hooks)  # a Secret hook too
                masker = masker.with_values(
                    [
                        *secret_values((*rendered.objects, *hook_objects)),
                        *rendered.masked_values,
                    ]
                )
                objects = await self.desired(app, rendered, self.target(app))
                if options.only:
                    only = select(map(object_id, objects), options.only, str(app.id))
                    if not options.dry_run:
                        log = await AttemptLog.start(
                            self.store,
                            name,
                            target=identity,
                            trigger=options.trigger,
                            started=started,
                            only=tuple(str(oid) for oid in sorted(only)),
                        )
                        shown = _masked_commit(masker, commit)
                        await log.progress(self._clock(), revision=revision, commit=shown)
                if log is not None and log.attempt.id is not None:
                    await self.store.record_inputs(log.attempt.id, _inputs_of(rendered))
                report, inventory, known = await self._reconcile(
                    app, revision, rendered, objects, only, options, progress, deadline.when()
                )
                report = replace(
                    report,
                    reads=rendered.reads,
                    warnings=(*unstable_warnings(rendered), *notes),
                    masked_values=rendered.masked_values,
                )
        except (PermanentError, TemporaryError) as e:
            report = SyncReport(app=name, revision=revision, failure=Failure.from_error(e))
        except TimeoutError:
            if not deadline.expired():
                raise
            message = (
                f"{app.id}: the reconcile did not finish within {options.deadline:g}s "
                "(spec.timeout) and was stopped part-way; it is retried (raise spec.timeout "
                "for a slow source or a large app)"
            )
            report = SyncReport(
                app=name, revision=revision, failure=Failure(Reason.DEADLINE, message)
            )
        except asyncio.CancelledError:
            if log is not None:
                shown = _masked_commit(masker, commit)
                cancelled = SyncReport(app=name, revision=revision, commit=shown)
                await self._record(app, cancelled, log, AttemptResult.CANCELLED, began, identity)
            raise
        # Tools' and servers' messages may quote secret values: mask them before anyone sees them.
        report = replace(
            report,
            changes=masker.changes(report.changes),
            failure=masker.failure(report.failure),
            commit=_masked_commit(masker, commit),
            only=only,
        )
        if options.ref is None:  # a ref under review says nothing of the App's state
            await self._record(app, report, log, None, began, identity, inventory, known)
        return report

    async def _dependencies(self, app: App) -> list[DependencyState]:
        """What the store and the sources say of each App ``app`` depends on."""
        # The loader keeps only Apps whose dependencies are in the configuration.
        apps = {a.metadata.name: a for a in self.config.apps if a.namespace == app.namespace}
        states = []
        for name in app.spec.depends_on:
            dependency = apps[name]
            tried = [
                a
                for a in await self.store.history(name)
                if a.result is not AttemptResult.SKIPPED and not a.only
            ]
            current, problem = None, ""
            try:
                current = (await self.fetch(dependency)).revision
            except (SourceError, SourceUnavailableError) as e:
                problem = str(e)
            states.append(
                DependencyState(
                    app=str(dependency.id),
                    last_result=tried[0].result.value if tried else None,
                    last_revision=tried[0].revision if tried else None,
                    current_revision=current,
                    source_problem=problem,
                    suspended=dependency.spec.suspend,
                )
            )
        return states

    async def _reconcile(
        self,
        app: App,
        revision: str,
        rendered: Rendered,
        objects: tuple[Object, ...],
        only: frozenset[ObjectId],
        options: SyncOptions,
        progress: Progress,
        deadline: float | None,
    ) -> tuple[SyncReport, tuple[InventoryEntry, ...] | None, apply.Known]:
        """Plan, apply, prune and check health of the desired ``objects`` (of them, only
        the ``only`` ones in a partial sync, which prunes nothing).

        Also returns the inventory still to record (with the attempt, in one transaction:
        ``_record``); None when there is none (a dry run), or when it was recorded already,
        before a wait for health that may take long. And, from a dry run of the whole App,
        what it found unchanged that the inventory did not know yet (content hash and
        resourceVersion): noted, the next comparison skips their dry-run as an apply's
        would.
        """
        target, owner = self.target(app), await self.owner(app)
        origins = rendered.origins_of(objects)  # by the ids of every desired object
        if only:
            objects = tuple(obj for obj in objects if object_id(obj) in only)
        inventory = await self.store.inventory(app.metadata.name)
        # What only the inventory names is read for prune, which a partial sync never runs.
        listed = () if only else inventory
        live, presumed = await self._read_live(app, target, objects, listed, options, owner)
        # From here on the objects carry the live values of ignored fields: they are what is
        # dry-run, applied, hashed as known and compared (see plan.ignore).
        rules = (*_ignore_rules(app), *unstable_rules(rendered.unstable))
        objects = ignore_differences(objects, live, rules)
        stages = plan_stages(objects, origins)
        adoption = plan_adoption(objects, live, owner, adopt=app.spec.adopt)
        if adoption.conflicts:
            raise OwnershipError(adoption.error())
        # A dry run (``diff``, ``sync --dry-run``) changes nothing: say so in its progress.
        verb = "comparing" if options.dry_run else "applying"
        progress(f"{verb} {counted(len(objects), 'object')} in {counted(len(stages), 'stage')}")
        apply_options = apply.ApplyOptions(
            dry_run=options.dry_run,
            force=app.spec.force,
            field_validation=FieldValidation(app.spec.field_validation),
        )
        known = {e.id: (e.content_hash, e.resource_version) for e in inventory if e.content_hash}
        hooks = await self._due_hooks(app, revision, rendered, objects, live, inventory, options)
        hook_options = HookOptions(
            timeout=options.timeout or app.spec.timeout.total_seconds(),
            field_validation=apply_options.field_validation,
        )
        pre = await run_hooks(
            target, HookPhase.PRE, hooks_of(hooks, HookPhase.PRE), hook_options, progress
        )
        if pre.failure is not None:  # nothing of the chart is applied after a failed pre hook
            failed = SyncReport(app.metadata.name, revision, pre.changes, failure=pre.failure)
            return failed, None, {}
        if not options.dry_run:
            await self._remember_intent(app, objects, inventory)
        applied = await apply.apply_stages(
            target,
            stages,
            live,
            apply_options,
            known=known,
            origins=_origins(rendered, objects),
            adopted=adoption.adopted,
            presumed=presumed,
        )
        prune_plan = await self._plan_prune(
            app, target, owner, objects, only, inventory, live, options
        )
        pruned, kept = apply.ApplyResult(), ChangeSet()
        if not applied.error:
            pruned = await apply.prune(target, prune_plan, live, apply_options)
            # Say why an object that is no longer desired is still there (a guard, a relabel).
            kept = ChangeSet(
                tuple(ObjectChange(d.id, Action.SKIPPED, d.reason) for d in prune_plan.skipped)
            )
        post = HookResult()
        if not applied.error and not pruned.failure:
            post = await run_hooks(
                target, HookPhase.POST, hooks_of(hooks, HookPhase.POST), hook_options, progress
            )
        after, noted = None, {}
        if options.dry_run and not only:
            stored = {e.id: (e.content_hash, e.resource_version) for e in inventory}
            noted = {
                oid: now
                for oid, now in applied.known.items()
                if oid in stored and stored[oid] != now
            }
        if not options.dry_run:
            after = _next_inventory(objects, only, inventory, applied, pruned, prune_plan)
            if _waits(app, options, applied):
                await self.store.replace_inventory(app.metadata.name, after, target=target.identity)
                after = None
        ids = [object_id(obj) for obj in objects]
        health, unhealthy = await self._health(
            app, target, ids, applied, options, progress, deadline
        )
        report = SyncReport(
            app=app.metadata.name,
            revision=revision,
            changes=pre.changes + applied.changes + pruned.changes + kept + post.changes,
            health=aggregate(health.values()) if health else HealthStatus.HEALTHY,
            object_health=health,
            diffs=applied.diffs,
            deletions={oid: obj for oid in prune_plan.to_delete if (obj := live.get(oid))},
            plan=Plan(owner, stages, prune_plan),
            failure=applied.failure or pruned.failure or post.failure or unhealthy,
        )
        return report, after, noted

    async def _plan_prune(
        self,
        app: App,
        target: Target,
        owner: AppRef,
        objects: tuple[Object, ...],
        only: frozenset[ObjectId],
        inventory: tuple[InventoryEntry, ...],
        live: apply.Live,
        options: SyncOptions,
    ) -> PrunePlan:
        """What prune deletes and keeps; for a partial sync nothing, every inventory entry
        of a named object staying (as one that is desired again)."""
        if only:
            return PrunePlan((), still_desired=frozenset(e.id for e in inventory if e.id in only))
        desired_ids = {object_id(obj) for obj in objects}
        cascading = [e.id for e in inventory if cascades(e.id) and e.id not in desired_ids]
        return plan_prune(
            (entry.id for entry in inventory),
            desired_ids,
            live,
            owner,
            prune_enabled=app.spec.prune if options.prune is None else options.prune,
            render_empty=not objects,
            source_ok=True,
            allow_empty=app.spec.allow_empty,
            holdings=await apply.read_holdings(target, cascading, live) if cascading else {},
            allow_cascade=app.spec.allow_cascade,
        )

    async def _due_hooks(
        self,
        app: App,
        revision: str,
        rendered: Rendered,
        objects: tuple[Object, ...],
        live: apply.Live,
        inventory: tuple[InventoryEntry, ...],
        options: SyncOptions,
    ) -> tuple[Hook, ...]:
        """The chart's hooks this sync runs, prepared as its objects are (namespace, owner
        labels); none in a dry run or a partial sync, or when ``plan.hooks_due`` says the
        sync changes nothing (measured from the last successful sync of the whole App)."""
        if options.dry_run or options.only or not rendered.hooks:
            return ()
        known = {e.id: (e.content_hash, e.resource_version) for e in inventory if e.content_hash}
        desired = {object_id(obj) for obj in objects}
        unchanged = {e.id for e in inventory} <= desired and all(
            still_known(known, object_id(obj), obj, live.get(object_id(obj))) for obj in objects
        )
        history = await self.store.history(app.metadata.name)
        good = next(
            (a.revision for a in history if a.result is AttemptResult.SUCCEEDED and not a.only),
            None,
        )
        if not hooks_due(revision, good, unchanged, rendered.hooks):
            return ()
        origins = {object_id(hook.obj): hook.origin for hook in rendered.hooks}
        as_rendered = Rendered(tuple(hook.obj for hook in rendered.hooks), origins)
        prepared = await self.desired(app, as_rendered, self.target(app))
        return tuple(
            replace(hook, obj=obj) for hook, obj in zip(rendered.hooks, prepared, strict=True)
        )

    async def _read_live(
        self,
        app: App,
        target: Target,
        objects: tuple[Object, ...],
        inventory: tuple[InventoryEntry, ...],
        options: SyncOptions,
        owner: AppRef,
    ) -> tuple[apply.Live, apply.Presumed | None]:
        """The live state of the desired objects and of the inventory: from the daemon's
        cache where it can answer (with the ids it presumes absent), else from the target."""
        if options.live_cache is None or not app.spec.adopt:
            return await apply.read_live(target, [*objects, *(e.ref() for e in inventory)]), None
        live, absent = await apply.read_live_cached(target, objects, options.live_cache)
        # What only the inventory names is read exactly: prune must see it as it is.
        if rest := [e.ref() for e in inventory if e.id not in live]:
            live.update(await apply.read_live(target, rest))
        return live, apply.Presumed(absent, owner)

    async def _health(
        self,
        app: App,
        target: Target,
        ids: list[ObjectId],
        applied: apply.ApplyResult,
        options: SyncOptions,
        progress: Progress,
        deadline: float | None,
    ) -> tuple[Mapping[ObjectId, HealthResult], Failure | None]:
        """Step 5, health: each object's, waited for when asked; and why the wait failed.

        The wait ends a second before the reconcile's ``deadline`` (event loop time), so that
        it reports which objects were not healthy rather than being stopped.
        """
        if not _waits(app, options, applied):
            return {oid: health_of(applied.live.get(oid)) for oid in ids}, None
        timeout = options.timeout or app.spec.timeout.total_seconds()
        if deadline is not None:
            left = deadline - asyncio.get_running_loop().time() - 1
            timeout = max(min(timeout, left), 1)
        progress(f"waiting up to {timeout:.0f}s for {counted(len(ids), 'object')} to be healthy")

        def report(results: Mapping[ObjectId, HealthResult]) -> None:
            waiting = [f"{oid} ({r})" for oid, r in results.items() if r.status is not HEALTHY]
            line = f"{len(results) - len(waiting)}/{len(results)} healthy"
            progress(f"{line}; waiting for {waiting[0]}" if waiting else line)

        results = await apply.wait_healthy(target, ids, timeout, report)
        return results, apply.wait_failure(results, timeout)

    async def _remember_intent(
        self, app: App, objects: tuple[Object, ...], previous: tuple[InventoryEntry, ...]
    ) -> None:
        """Add what is about to be applied to the inventory before applying it.

        If trueup is killed half-way, the objects it already created are in the inventory,
        so a later sync prunes them when Git no longer wants them. Prune still deletes only
        objects that carry this app's owner labels, so naming an object here never makes an
        unowned one deletable.
        """
        entries = {entry.id: entry for entry in previous}
        for obj in objects:
            oid = object_id(obj)
            entries.setdefault(oid, InventoryEntry(oid, str(obj["apiVersion"])))
        if len(entries) > len(previous):
            await self.store.replace_inventory(
                app.metadata.name, tuple(entries.values()), target=self.target(app).identity
            )

    async def _record(
        self,
        app: App,
        report: SyncReport,
        log: AttemptLog | None,
        result: AttemptResult | None,
        began: float,
        target: str,
        inventory: tuple[InventoryEntry, ...] | None = None,
        known: apply.Known | None = None,
    ) -> None:
        """Step 6, record: complete the attempt (none in a dry run), and note the comparison,
        the new ``inventory`` (None: none to note) and what a dry run found ``known``, all
        in one transaction.

        The result is ``failed`` whenever the report carries a failure (a wait that timed
        out or found an object Degraded included), so record, exit code and status agree.
        A partial sync compared only the objects it names, so it notes no comparison.
        """
        now = self._clock()
        name = app.metadata.name
        confirmation = None
        if report.plan is not None and not report.only:
            # The target was compared with Git (a sync or a diff): status says since when.
            # A sync that applied everything leaves the target as Git says, even if a wait then
            # failed; a diff found it so when nothing would change.
            changes = report.changes.changes
            drift = any(c.action not in (Action.UNCHANGED, Action.SKIPPED) for c in changes)
            applied = report.failure is None or report.failure.reason in _UNHEALTHY
            confirmation = Confirmation(
                name,
                target,
                now,
                report.revision,
                in_sync=applied and (log is not None or not drift),
                health=report.health.value,
            )
        if log is None:
            if inventory is not None or confirmation is not None or known:
                outcome = Outcome(
                    name,
                    inventory=inventory,
                    target=target,
                    confirmation=confirmation,
                    known=known or {},
                )
                await self.store.record_outcome(outcome)
            return
        if result is None:
            result = AttemptResult.SUCCEEDED if report.ok else AttemptResult.FAILED
        finished = Attempt(
            app=name,
            started_at=log.attempt.started_at,
            finished_at=now,
            revision=report.revision,
            trigger=log.attempt.trigger,
            result=result,
            plan_summary=report.summary,
            changes=report.changes,
            health=report.health.value,
            duration_s=time.monotonic() - began,
            error=report.error,
            reason=report.failure.reason if report.failure else None,
            commit=report.commit,
            only=log.attempt.only,
        )
        # One transaction with the attempt: the inventory, the comparison, what the render
        # read (what a revert to this revision restores, rollback --revert), and the
        # pending reverts it applied (they end once an attempt applies their commit).
        # Shielded: once begun, it is written whole even when the sync is cancelled.
        await asyncio.shield(
            log.finish(finished, inventory=inventory, confirmation=confirmation, reads=report.reads)
        )


def _waits(app: App, options: SyncOptions, applied: apply.ApplyResult) -> bool:
    """Whether the sync waits for its objects to be healthy (``spec.wait``, ``--wait``)."""
    wait = app.spec.wait if options.wait is None else options.wait
    return bool(wait) and not options.dry_run and not applied.error


def _next_inventory(
    objects: tuple[Object, ...],
    only: frozenset[ObjectId],
    previous: tuple[InventoryEntry, ...],
    applied: apply.ApplyResult,
    pruned: apply.ApplyResult,
    plan: PrunePlan,
) -> tuple[InventoryEntry, ...]:
    """The inventory after the sync (see ``PrunePlan.next_inventory``); a partial sync
    keeps every entry of an object it was not asked for exactly as it was."""
    versions = {entry.id: entry.api_version for entry in previous}
    versions.update({object_id(obj): str(obj["apiVersion"]) for obj in objects})
    kept = plan.next_inventory(applied.applied_ids, pruned.deleted_ids)
    entries = tuple(
        InventoryEntry(oid, versions[oid], *applied.known.get(oid, ("", "")))
        for oid in kept
        if oid in versions
    )
    if only:
        entries += tuple(entry for entry in previous if entry.id not in only)
    return entries


def _inputs_of(rendered: Rendered) -> RecordedInputs:
    """What a render read besides its tree, as history keeps it to replay the revision."""
    return RecordedInputs(rendered.chart_version, rendered.chart_digest, rendered.input_digests)


def _masked_commit(masker: Masker, commit: Commit | None) -> Commit | None:
    """``commit`` with its subject masked: whoever pushes writes it, a secret value too."""
    return None if commit is None else replace(commit, subject=masker(commit.subject))


def _origins(rendered: Rendered, objects: tuple[Object, ...]) -> dict[ObjectId, Origin]:
    """Where each object was declared, by its id after the namespace was defaulted."""
    found = {}
    for obj in objects:
        oid = object_id(obj)
        as_rendered = ObjectId(oid.group, oid.kind, "", oid.name)
        if origin := rendered.origins.get(oid) or rendered.origins.get(as_rendered):
            found[oid] = origin
    return found


def _ignore_rules(app: App) -> tuple[IgnoreRule, ...]:
    """The App's ``spec.ignoreDifferences`` as the plan layer's rules."""
    return tuple(
        IgnoreRule(
            IgnoreTarget(
                rule.target.kind, rule.target.group, rule.target.name, rule.target.namespace
            ),
            rule.json_pointers,
            rule.managed_fields_managers,
        )
        for rule in app.spec.ignore_differences
    )
