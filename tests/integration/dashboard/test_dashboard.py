"""The dashboard in a real browser, against ``trueup serve`` on the dev-cluster and the
served Git repository.

One daemon per test: the configuration declares a viewer (``ci``) and an operator
(``ops``) ApiToken, except for the test of a lost connection, which runs without tokens on
loopback (no login) so that a restarted daemon takes the page back.
"""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.daemon.serving import WAIT, Served
from tests.integration.dashboard.browser import Browser
from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest

pytestmark = pytest.mark.cluster

VIEWER = "viewer-token-dash-7c6d5e4f"
OPERATOR = "operator-token-dash-3d4c5b6a"
PLANTED_COMMIT = "<script>window.pwned = 'commit'</script> fix the settings"
PLANTED_NOTE = "<script>window.pwned = 'annotation'</script>"
PLANTED_EDIT = "<img src=x onerror=\"window.pwned = 'edit'\">"


def configure(world: World, *, tokens: bool = True) -> None:
    docs = world.documents(app={"interval": "1h", "selfHeal": False})
    for doc in docs:
        if doc["kind"] == "GitSource":
            doc["spec"]["interval"] = "1h"
    if tokens:
        for name, role, value in (("ci", "viewer", VIEWER), ("ops", "operator", OPERATOR)):
            docs.append(
                {
                    "apiVersion": "trueup.dev/v1alpha1",
                    "kind": "ApiToken",
                    "metadata": {"name": name},
                    "spec": {"role": role, "secretRef": {"name": f"{name}-token"}},
                }
            )
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": f"{name}-token"},
                    "stringData": {"token": value},
                }
            )
    world.config.write_text(yaml.safe_dump_all(docs))


def settings(color: str) -> str:
    cm: dict[str, Any] = configmap("settings", {"color": color})
    cm["metadata"]["annotations"] = {"note": PLANTED_NOTE}
    return manifest(cm)


def refresh(served: Served) -> None:
    answer = httpx.post(
        f"{served.url}/api/sources/-/deploy/refresh",
        headers={"Authorization": f"Bearer {OPERATOR}"},
        timeout=WAIT,
    )
    assert answer.status_code == 202, answer.text


def log_in(browser: Browser, served: Served, token: str) -> None:
    browser.get(served.url + "/")
    browser.wait(lambda: "/login" in browser.url, "the login page")
    browser.find("#token").send_keys(token)
    browser.click("#login")
    browser.wait(lambda: "/login" not in browser.url, "the page after login")


def badge(browser: Browser, role: str) -> str:
    return browser.text(f'tr[data-app="{APP}"] [data-role="{role}"]')


def test_an_operator_watches_syncs_and_rolls_back_and_nothing_planted_runs(
    world: World, browser: Browser
) -> None:
    world.commit("Break the settings", {f"{PATH}/settings.yaml": "kind: ConfigMap\n"})
    configure(world)
    served = Served(world)
    try:
        served.wait_for(lambda e: e["event"] == "reconcile.failed", "a failed reconcile")

        browser.get(served.url + "/")
        browser.wait(lambda: "/login" in browser.url, "the login page")
        browser.find("#token").send_keys("not-a-token")
        browser.click("#login")
        browser.wait_text("#login-error", "That token is not valid.")
        browser.find("#token").send_keys(OPERATOR)
        browser.click("#login")
        browser.wait(lambda: badge(browser, "sync") == "OutOfSync", "the App OutOfSync")
        browser.js("window.kept = 'no reload'")

        # A pushed commit turns the badge Synced without a reload.
        fixed = world.commit(PLANTED_COMMIT, {f"{PATH}/settings.yaml": settings("blue")})
        refresh(served)
        browser.wait(lambda: badge(browser, "sync") == "Synced", "the App Synced")
        assert browser.js("return window.kept") == "no reload"
        browser.wait_text(f'tr[data-app="{APP}"] .subject', PLANTED_COMMIT)
        assert browser.js("return window.pwned") is None

        # The App's page: tree, history, Kubernetes events.
        browser.click(f'tr[data-app="{APP}"] a')
        deployment = f'#tree li[data-object="Deployment/{world.namespace}/web"]'
        browser.wait(lambda: browser.all(deployment), "the Deployment in the tree")
        browser.wait(lambda: "ScalingReplicaSet" in browser.text("#kube-events"),
                     "the Deployment's Kubernetes events")  # fmt: skip
        assert PLANTED_COMMIT in browser.text("#history")
        browser.wait(lambda: browser.all("#no-diff"), "an empty diff")

        # A kubectl edit of a managed field shows in the diff and in the events.
        world.kubectl("annotate", "--overwrite", "configmap", "settings", f"note={PLANTED_EDIT}")
        browser.wait(lambda: browser.all('#events li[data-reason="app.drifted"]'),
                     "the drift in the events")  # fmt: skip
        entry = f'#diff .diff-entry[data-object="ConfigMap/{world.namespace}/settings"]'
        browser.wait(lambda: PLANTED_EDIT in browser.text(entry), "the edit in the diff")
        assert PLANTED_NOTE in browser.text(entry)
        browser.click("#diff-side")
        browser.wait(
            lambda: browser.all(f"{entry} table.diff.side td.del"), "the side-by-side diff"
        )
        assert browser.js("return window.pwned") is None

        # A forged action without the CSRF token is refused; the page's own works.
        assert (
            browser.fetch("POST", f"/api/apps/{APP}/sync", {"Content-Type": "application/json"})
            == 403
        )
        browser.click("#sync")
        browser.wait(lambda: f"ConfigMap/{world.namespace}/settings" in browser.text("#planned"),
                     "the dry run's preview")  # fmt: skip
        browser.click("#confirm-sync")
        browser.wait(lambda: browser.all("#sync-result.ok"), "the sync's result")
        browser.wait(lambda: "api:ops" in browser.text("#history tbody tr"), "the sync in history")

        # A new commit, then a rollback by clicking, recorded with the token's name.
        world.commit("Paint it green", {f"{PATH}/settings.yaml": settings("green")})
        refresh(served)
        browser.wait(lambda: "Paint it green" in browser.text("#summary"), "the new revision")
        rollback = "#history tr:has(.rollback) td code"
        browser.wait(lambda: browser.all(rollback), "a revision to roll back to")

        def roll_back_to_fixed() -> bool:
            target = next(
                row for row in browser.all("#history tbody tr")
                if row.find_elements("css selector", ".rollback")
                and fixed[:7] in row.text
            )  # fmt: skip
            target.find_element("css selector", ".rollback").click()
            return True

        browser.wait(roll_back_to_fixed, "the rollback button of the fixed revision")
        browser.click("#confirm-rollback")
        browser.wait(lambda: browser.all("#rollback-result"), "the rollback's result")

        def rolled_back() -> bool:
            live = world.live("configmap", "settings")
            return live is not None and live["data"]["color"] == "blue"

        browser.wait(rolled_back, "the ConfigMap rolled back")
        browser.wait(
            lambda: (
                (row := browser.all("#history tbody tr"))
                and "api:ops" in row[0].text
                and fixed[:7] in row[0].text
            ),
            "the rollback in history",
        )

        # Logout ends the session.
        browser.click("#logout")
        browser.wait(lambda: "/login" in browser.url, "the login page after logout")
        assert browser.fetch("GET", "/api/apps") == 401
    finally:
        served.stop()


def test_a_viewer_sees_no_action_and_may_take_none(world: World, browser: Browser) -> None:
    configure(world)
    served = Served(world)
    try:
        served.reconciled()
        log_in(browser, served, VIEWER)
        browser.wait(lambda: badge(browser, "sync") == "Synced", "the App Synced")
        browser.get(f"{served.url}/apps/{APP}")
        browser.wait(lambda: browser.all("#history tbody tr"), "the history")
        browser.wait(lambda: browser.all("#tree li"), "the tree")
        for action in ("#sync", "#suspend", "#resume", ".rollback", ".object-sync"):
            assert not browser.all(action), action
        csrf = browser.js("return document.querySelector('meta[name=trueup-csrf]').content")
        headers = {"Content-Type": "application/json", "X-CSRF-Token": csrf}
        assert browser.fetch("POST", f"/api/apps/{APP}/sync", headers) == 403
        assert browser.fetch("POST", f"/api/apps/{APP}/suspend", headers) == 403
    finally:
        served.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_lost_connection_shows_and_the_page_reconnects(world: World, browser: Browser) -> None:
    configure(world, tokens=False)
    listen = f"127.0.0.1:{free_port()}"
    served = Served(world, "--listen", listen)
    try:
        served.reconciled()
        browser.get(served.url + "/")
        assert "/login" not in browser.url
        browser.wait(lambda: badge(browser, "sync") == "Synced", "the App Synced")
        browser.wait(lambda: browser.js("return document.body.dataset.live") == "open",
                     "the live connection")  # fmt: skip
        assert not browser.find("#banner").is_displayed()
    finally:
        served.stop()
    browser.wait(lambda: browser.find("#banner").is_displayed(), "the lost-connection banner")
    assert "lost" in browser.text("#banner")
    again = Served(world, "--listen", listen)
    try:
        browser.wait(lambda: browser.js("return document.body.dataset.live") == "open",
                     "the connection again")  # fmt: skip
        assert not browser.find("#banner").is_displayed()
        world.kubectl("patch", "configmap", "settings", "-p", '{"data":{"color":"red"}}')
        browser.wait(lambda: badge(browser, "sync").startswith("Drifted"), "the drift, live")
    finally:
        again.stop()
