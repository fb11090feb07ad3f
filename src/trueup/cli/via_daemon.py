"""What ``status``, ``history``, ``sync``, ``suspend`` and ``resume`` ask a running
daemon, and in the shapes those commands print (see :mod:`trueup.cli.daemon_client` for
when a daemon is asked, and what happens when it does not answer).

Each function returns None when no daemon runs for the configuration (or a discovered one
does not answer a read): the command then works on the store, as it does without a daemon.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from trueup.cli.daemon_client import DaemonClient, DaemonUnavailableError, endpoints, read_token
from trueup.cli.output import warn
from trueup.cli.settings import Settings
from trueup.cli.status import status_row
from trueup.errors import ConfigError

T = TypeVar("T")

PAGE = 1000
"""Apps asked for per page of ``GET /api/apps``."""


def ask(settings: Settings, call: Callable[[DaemonClient], T], *, action: bool) -> T | None:
    """``call`` answered by the daemon of the configuration; None when there is none.

    The announced daemons are tried newest first (an action only while none may have acted
    on it). When none answers: with ``--server`` an error; an action is refused; a read
    warns and returns None (the caller reads the store).
    """
    found = endpoints(settings)
    if not found:
        return None
    token = read_token(settings)
    failed: DaemonUnavailableError | None = None
    for endpoint in found:
        client = DaemonClient(endpoint, token)
        try:
            return call(client)
        except DaemonUnavailableError as e:
            if action and e.delivered:
                raise DaemonUnavailableError(
                    f"{e}; it may have acted all the same: see `trueup status` and "
                    "`trueup history` before trying again"
                ) from None
            failed = failed or e
        finally:
            client.close()
    assert failed is not None
    if found[0].explicit:
        raise failed
    if action:
        raise DaemonUnavailableError(
            f"{failed}; it reconciles the Apps of this configuration, so this command does not "
            "act beside it: retry, or stop that trueup serve to act on the store directly"
        )
    warn(f"{failed}; showing what the store holds instead")
    return None


def _app_path(name: str, *rest: str) -> str:
    return "/".join(("/api/apps", quote(name, safe=""), *rest))


def status_data(settings: Settings, app: str | None, *, live: bool) -> list[dict[str, str]] | None:
    """The rows ``trueup status -o json`` prints, as the daemon sees them; with ``live``,
    each App is compared with its target first (the daemon's diff). An App a discovered
    daemon does not know (one removed from the configuration) is left to the store."""

    def call(client: DaemonClient) -> list[dict[str, str]] | None:
        try:
            summaries = _summaries(client, app)
        except ConfigError:
            if client.endpoint.explicit or app is None:
                raise
            return None
        failed = {}
        if live:  # then read again: the comparisons are what the rows should show
            failed = _compare_now(client, summaries)
            summaries = _summaries(client, app)
        rows = [_status_fields(summary) for summary in summaries]
        for row in rows:
            if row["app"] in failed:
                row.update(sync="Unknown", error=f"comparing now failed: {failed[row['app']]}")
        return rows

    return ask(settings, call, action=False)


def _summaries(client: DaemonClient, app: str | None) -> list[dict[str, Any]]:
    """The API's summary of ``app``, or of every App (every page)."""
    if app is not None:
        return [client.get(_app_path(app))["app"]]
    found: list[dict[str, Any]] = []
    page: dict[str, str | int] = {"limit": PAGE}
    while True:
        answer = client.get("/api/apps", page)
        found += answer["items"]
        if not answer.get("continue"):
            return found
        page = {"limit": PAGE, "continue": answer["continue"]}


def _compare_now(client: DaemonClient, summaries: list[dict[str, Any]]) -> dict[str, str]:
    """Diff each comparable App through the daemon (noting the comparison); the error of
    each that failed."""
    failed = {}
    for summary in summaries:
        if summary["suspended"] or summary["sync"] in ("Invalid", "Suspended"):
            continue
        diff = client.get(_app_path(summary["app"], "diff"))
        if diff.get("failure"):
            failed[summary["app"]] = diff["failure"]["message"]
    return failed


def _status_fields(summary: dict[str, Any]) -> dict[str, str]:
    """A status row with the keys ``trueup status`` prints, from the API's App summary."""
    return {key: summary[key] for key in status_row("", None, None, None)}


def history(settings: Settings, app: str, limit: int) -> list[dict[str, Any]] | None:
    """The attempts ``trueup history -o json`` prints, newest first, from the daemon.

    An App a discovered daemon does not know (one removed from the configuration) is left
    to the store, which keeps the history of every App that ever ran.
    """

    def call(client: DaemonClient) -> list[dict[str, Any]] | None:
        try:
            answer = client.get(_app_path(app, "history"), {"limit": limit})
        except ConfigError:
            if client.endpoint.explicit:
                raise
            return None
        items: list[dict[str, Any]] = answer["items"]
        return items

    return ask(settings, call, action=False)


def sync(
    settings: Settings,
    app: str,
    *,
    dry_run: bool,
    prune: bool | None,
    objects: Sequence[str] = (),
    unsupported: Sequence[str] = (),
) -> Any:
    """The report of a sync the daemon ran (as ``trueup sync -o json`` prints it), or None
    when no daemon runs. ``objects`` limit it to those (a partial sync; empty: the whole
    App). ``unsupported`` are options given that the API does not take: a daemon refuses
    them (its App's spec applies), rather than leaving them out unsaid."""
    body: dict[str, Any] = {"dryRun": dry_run, "prune": prune}
    if objects:
        body["objects"] = list(objects)

    def call(client: DaemonClient) -> Any:
        if unsupported:
            raise ConfigError(
                f"{client.endpoint.described} runs this configuration, so the sync goes "
                f"through it, and its API takes --dry-run, --prune and --object only, not "
                f"{' or '.join(unsupported)}: leave them out (the App's spec.wait, "
                "spec.timeout and spec.dependsOn apply)"
            )
        return client.post(_app_path(app, "sync"), body)

    return ask(settings, call, action=True)


def suspend(settings: Settings, app: str, reason: str) -> Any:
    """The suspension the daemon holds for ``app`` now, or None when no daemon runs."""
    body = {"reason": reason}
    return ask(settings, lambda c: c.post(_app_path(app, "suspend"), body), action=True)


def resume(settings: Settings, app: str) -> Any:
    """``{"resumed": bool, "unpinned": bool, ...}`` from the daemon, or None when no daemon
    runs."""
    return ask(settings, lambda c: c.post(_app_path(app, "resume")), action=True)


def rollback(settings: Settings, app: str, revision: str, *, reason: str = "") -> Any:
    """The rollback in pin mode the daemon ran (as ``trueup rollback -o json`` prints it),
    or None when no daemon runs."""
    body = {"revision": revision, "revert": False, "yes": False, "reason": reason}
    return ask(settings, lambda c: c.post(_app_path(app, "rollback"), body), action=True)


def rollback_revert(
    settings: Settings, app: str, revision: str, *, yes: bool, reason: str = ""
) -> Any:
    """The rollback by revert the daemon pushed (as ``trueup rollback --revert -o json``
    prints it), or None when no daemon runs."""
    body = {"revision": revision, "revert": True, "yes": yes, "reason": reason}
    return ask(settings, lambda c: c.post(_app_path(app, "rollback"), body), action=True)
