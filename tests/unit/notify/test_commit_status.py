"""Commit statuses: which state each event reports, and the notifier posting them to the
local forge stub (a real HTTP server) once per change of state, per App and cluster."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.servers.forge import ForgeStub
from trueup.config import LoadedConfig, load_config
from trueup.daemon.backoff import default_random
from trueup.daemon.clock import SystemClock
from trueup.daemon.events import Event, EventBus, Kind, Level
from trueup.forge import CommitState
from trueup.masking import MASK, Masker
from trueup.notify import DeliveryPolicy, Notifier
from trueup.notify.commit_status import context_of, sha_of, state_of
from trueup.notify.message import notification_of

pytestmark = pytest.mark.anyio

SHA_A = "a" * 40
SHA_B = "b" * 40
CANARY = "canary-3be1d07c55"


def reconciled(health: str, sha: str = SHA_A, app: str = "web") -> Event:
    return Event(
        Kind.RECONCILED,
        "1 changed",
        app=app,
        revision=f"main@sha1:{sha}",
        fields={"health": health, "trigger": "daemon"},
    )


def failed(message: str, sha: str = SHA_A, reason: str = "invalid") -> Event:
    return Event(
        Kind.RECONCILE_FAILED,
        message,
        app="web",
        level=Level.ERROR,
        revision=f"main@sha1:{sha}",
        fields={"reason": reason},
    )


def health(kind: Kind, value: str) -> Event:
    return Event(kind, f"health is {value}", app="web", fields={"health": value})


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (reconciled("Healthy"), CommitState.SUCCESS),
        (reconciled("Degraded"), CommitState.FAILURE),
        (reconciled("Progressing"), CommitState.PENDING),
        (failed("the server said no"), CommitState.FAILURE),
        (failed("web waits for db", reason="dependency"), CommitState.PENDING),
        (health(Kind.DEGRADED, "Degraded"), CommitState.FAILURE),
        (health(Kind.RECOVERED, "Healthy"), CommitState.SUCCESS),
        (Event(Kind.DRIFTED, "drifted", app="web"), None),
        (Event(Kind.SOURCE_FAILED, "cannot fetch"), None),
    ],
)
def test_each_event_reports_the_commit_state_of_the_rules(
    event: Event, expected: CommitState | None
) -> None:
    found = state_of(notification_of(event, _no_mask(), None))
    assert (found[0] if found else None) is expected


def test_the_commit_and_the_context_are_read_and_written_as_documented() -> None:
    assert sha_of(f"main@sha1:{SHA_A.upper()}") == SHA_A
    assert sha_of(f"sha1:{SHA_B}") == SHA_B
    assert sha_of("v1.2.3") is None
    assert sha_of(None) is None
    assert context_of("east", "web") == "trueup/east/web"


def config_text(stub: ForgeStub) -> str:
    return f"""\
apiVersion: v1
kind: Secret
metadata: {{name: forge-token}}
stringData: {{token: {stub.token}}}
---
apiVersion: trueup.dev/v1alpha1
kind: Provider
metadata: {{name: east}}
spec: {{type: github, address: "{stub.url}/org/deploy", secretRef: {{name: forge-token}},
        cluster: east}}
---
apiVersion: trueup.dev/v1alpha1
kind: Provider
metadata: {{name: west}}
spec: {{type: gitlab, address: "{stub.url}/group/deploy", secretRef: {{name: forge-token}}}}
---
apiVersion: trueup.dev/v1alpha1
kind: Alert
metadata: {{name: east}}
spec: {{providerRef: {{name: east}}}}
---
apiVersion: trueup.dev/v1alpha1
kind: Alert
metadata: {{name: west}}
spec: {{providerRef: {{name: west}}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: app-secret}}
stringData: {{password: {CANARY}}}
"""


def load(tmp_path: Path, text: str) -> LoadedConfig:
    (tmp_path / "config.yaml").write_text(text)
    config = load_config(tmp_path)
    assert config.errors == ()
    return config


def notifier_for(bus: EventBus, config: LoadedConfig, installation: str) -> Notifier:
    return Notifier(
        bus,
        lambda: config,
        clock=SystemClock(),
        rand=default_random(),
        policy=DeliveryPolicy(per_second=100.0, burst=100),
        installation=installation,
    )


async def until(check: Callable[[], bool], what: str) -> None:
    for _ in range(300):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} did not happen")


async def test_each_change_of_state_is_posted_once_per_app_and_cluster(
    tmp_path: Path, forge_stub: ForgeStub
) -> None:
    bus = EventBus()
    config = load(tmp_path, config_text(forge_stub))
    notifier = notifier_for(bus, config, installation="west")
    notifier.start()

    def posted(forge: str, repo: str, sha: str = SHA_A) -> list[tuple[str, str]]:
        return [(s.context, s.state) for s in forge_stub.statuses(forge, repo, sha)]

    for event in (
        reconciled("Progressing"),
        reconciled("Healthy"),
        reconciled("Healthy"),  # an unchanged state is not posted again
        reconciled("Healthy"),
        health(Kind.DEGRADED, "Degraded"),
        health(Kind.RECOVERED, "Healthy"),
        Event(Kind.DRIFTED, "a replica count changed", app="web"),
        failed(f"the server said password={CANARY}", sha=SHA_B),
    ):
        bus.publish(event)
    await until(lambda: len(posted("gitlab", "group/deploy", SHA_B)) == 1, "the last status")
    await notifier.stop(grace=5.0)

    assert posted("github", "org/deploy") == [
        ("trueup/east/web", "pending"),
        ("trueup/east/web", "success"),
        ("trueup/east/web", "failure"),
        ("trueup/east/web", "success"),
    ]
    # GitLab's own words; the cluster is the installation, as the Provider names none.
    assert posted("gitlab", "group/deploy") == [
        ("trueup/west/web", "pending"),
        ("trueup/west/web", "success"),
        ("trueup/west/web", "failed"),
        ("trueup/west/web", "success"),
    ]
    [failure] = forge_stub.statuses("github", "org/deploy", SHA_B)
    assert failure.state == "failure"
    assert CANARY not in failure.description
    assert MASK in failure.description


async def test_a_restarted_notifier_does_not_post_the_state_the_forge_shows_already(
    tmp_path: Path, forge_stub: ForgeStub
) -> None:
    config = load(tmp_path, config_text(forge_stub))
    for _run in range(2):
        before = len(forge_stub.lines)
        bus = EventBus()
        notifier = notifier_for(bus, config, installation="west")
        notifier.start()
        bus.publish(reconciled("Healthy"))

        def looked(start: int = before) -> bool:
            return any("list statuses github" in line for line in forge_stub.lines[start:])

        await until(looked, "a look at the forge")
        await notifier.stop(grace=5.0)
    github = forge_stub.statuses("github", "org/deploy", SHA_A)
    assert [(s.context, s.state) for s in github] == [("trueup/east/web", "success")]


async def test_a_refused_token_drops_the_status_with_a_reason_that_hides_the_token(
    tmp_path: Path, forge_stub: ForgeStub
) -> None:
    text = config_text(forge_stub).replace(
        f"stringData: {{token: {forge_stub.token}}}", "stringData: {token: wrong-token-4417}"
    )
    config = load(tmp_path, text)
    bus, heard = EventBus(), list[Event]()
    bus.listen(heard.append)
    notifier = notifier_for(bus, config, installation="west")
    notifier.start()
    bus.publish(reconciled("Healthy"))
    await until(
        lambda: len([e for e in heard if e.kind is Kind.NOTIFICATION_DROPPED]) == 2, "two drops"
    )
    await notifier.stop(grace=1.0)
    drops = [e.message for e in heard if e.kind is Kind.NOTIFICATION_DROPPED]
    assert all("401" in message and "token was refused" in message for message in drops)
    assert not any("wrong-token-4417" in message for message in drops)
    assert forge_stub.statuses("github", "org/deploy", SHA_A) == []


def _no_mask() -> Masker:
    return Masker()


@pytest.mark.parametrize(
    ("spec", "secret", "problem"),
    [
        (
            '{type: github, address: "https://github.com/org/deploy"}',
            "{token: t0ken-1}",
            "a github Provider needs spec.address and spec.secretRef",
        ),
        (
            '{type: gitlab, address: "https://gitlab.example.test/deploy", '
            "secretRef: {name: forge}}",
            "{token: t0ken-1}",
            "must name a project",
        ),
        (
            '{type: gitea, address: "http://gitea.example.test/org/deploy", '
            "secretRef: {name: forge}}",
            "{token: t0ken-1}",
            "plain http",
        ),
        (
            '{type: github, address: "https://github.com/org/deploy", secretRef: {name: forge}}',
            "{other: x}",
            "has no key token",
        ),
        (
            '{type: slack, address: "https://hooks.example.test/x", cluster: east}',
            "{token: t0ken-1}",
            "cluster is for the forge types only",
        ),
    ],
)
def test_a_forge_provider_that_cannot_post_is_refused_with_what_to_do(
    tmp_path: Path, spec: str, secret: str, problem: str
) -> None:
    (tmp_path / "config.yaml").write_text(
        f"""\
apiVersion: v1
kind: Secret
metadata: {{name: forge}}
stringData: {secret}
---
apiVersion: trueup.dev/v1alpha1
kind: Provider
metadata: {{name: status}}
spec: {spec}
"""
    )
    config = load_config(tmp_path)
    messages = [str(issue) for issue in config.errors]
    assert len(messages) == 1, messages
    assert problem in messages[0]
    assert "Provider/status" in messages[0]
    assert config.providers == ()
