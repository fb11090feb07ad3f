"""The overview with 1,000 Apps, in a real browser, against a stand-in of the API's list
and event stream (the page's own logic at scale; the real API is in test_dashboard.py).

The page shows 100 rows at a time, counts every status, filters, searches and sorts, and a
burst of 1,000 events is read back in a few list requests, not one per App.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest
import yaml
from aiohttp import web

from tests.integration.dashboard.browser import Browser
from trueup.config import load_config
from trueup.dashboard import Dashboard

APPS = 1000


def summary(index: int, sync: str) -> dict[str, Any]:
    return {
        "app": f"app-{index:04d}", "namespace": "shop", "source": f"src-{index % 3}",
        "labels": {"team": "blue" if index % 2 else "red"}, "target": "in-cluster",
        "revision": "main@sha1:" + "ab" * 20, "sync": sync, "health": "Healthy",
        "lastSync": "2026-01-01T00:00:00+00:00", "confirmedAt": "", "reason": "",
        "nextReconcile": "2026-01-01T01:00:00+00:00", "error": "", "suspended": False,
        "drifted": 0, "commitSubject": f"<b>change {index}</b>", "commitAuthor": "A. Dev",
    }  # fmt: skip


class StandIn:
    """``GET /api/apps`` and ``GET /api/events`` over 1,000 Apps, served on a thread."""

    def __init__(self, tmp_path: Any) -> None:
        (tmp_path / "trueup.yaml").write_text(yaml.safe_dump_all([]))
        daemon: Any = SimpleNamespace(started=True, config=load_config(tmp_path / "trueup.yaml"))
        self.apps = {
            s["app"]: s
            for s in (summary(i, "OutOfSync" if i % 2 else "Synced") for i in range(APPS))
        }
        self.list_requests = 0
        self.streams: list[web.StreamResponse] = []
        self.app = web.Application()
        self.app.add_routes(Dashboard(daemon).routes())
        self.app.add_routes(
            [
                web.get("/api/apps", self.list_apps),
                web.get("/api/events", self.events),
                web.post("/burst", self.burst),
                web.post("/storm", self.storm),
            ]
        )
        self.loop = asyncio.new_event_loop()
        self.url = ""
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self.start(), self.loop).result(30)

    async def start(self) -> None:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def list_apps(self, request: web.Request) -> web.Response:
        self.list_requests += 1
        limit = int(request.query.get("limit", "100"))
        after = request.query.get("continue", "")
        name = request.query.get("name")
        names = [n for n in sorted(self.apps) if n > after and (name is None or n == name)]
        page = names[:limit]
        more = len(names) > limit
        body = {"items": [self.apps[n] for n in page], "continue": page[-1] if more else None}
        return web.json_response(body)

    async def events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b": hello\n\n")
        self.streams.append(response)
        while True:
            await asyncio.sleep(1)
            await response.write(b": keepalive\n\n")

    async def burst(self, _request: web.Request) -> web.Response:
        """Every App becomes Synced, and one event per App is sent at once."""
        self.list_requests = 0
        for index, name in enumerate(sorted(self.apps)):
            self.apps[name] = summary(index, "Synced")
        chunks = []
        for index, name in enumerate(sorted(self.apps)):
            data = orjson.dumps({"id": index + 1, "app": name, "reason": "reconcile.succeeded"})
            chunks.append(b"id: %d\nevent: reconcile.succeeded\ndata: %s\n\n" % (index + 1, data))
        for stream in self.streams:
            await stream.write(b"".join(chunks))
        return web.json_response({"sent": len(chunks)})

    async def storm(self, _request: web.Request) -> web.Response:
        """Three events per App in two waves, each wave's changes made first: the first
        to a passing state, the second to the last one (:func:`final`); two Apps removed and
        two added. The page may read either wave; what it shows last must be the last."""
        names = sorted(self.apps)
        sent = 0
        for wave in (0, 1):
            if wave:
                for name in REMOVED:
                    del self.apps[name]
                for index in ADDED:
                    self.apps[f"app-{index:04d}"] = summary(index, "OutOfSync")
            for index, name in enumerate(names):
                if name in self.apps:
                    self.apps[name] = final(index) if wave else passing(index)
            chunks = []
            for name in names + [f"app-{index:04d}" for index in ADDED]:
                for _ in range(1 + wave):
                    sent += 1
                    data = orjson.dumps({"id": sent, "app": name, "reason": "app.changed"})
                    chunks.append(b"id: %d\nevent: app.suspended\ndata: %s\n\n" % (sent, data))
            for stream in self.streams:
                await stream.write(b"".join(chunks))
            await asyncio.sleep(0.05)
        return web.json_response({"sent": sent})


REMOVED = ("app-0003", "app-0500")
ADDED = (1000, 1001)


def passing(index: int) -> dict[str, Any]:
    """What an App is between the storm's two waves."""
    if index % 5 == 0:
        return summary(index, "OutOfSync" if index % 2 else "Synced")
    return summary(index, "Progressing")


def final(index: int) -> dict[str, Any]:
    """What an App is after the storm: every fifth unchanged, the others each in one of
    four new states."""
    app = summary(index, "OutOfSync" if index % 2 else "Synced")
    if index % 5 == 1:
        app.update(sync="Suspended", suspended=True, reason="held for the storm")
    elif index % 5 == 2:
        app.update(sync="Synced", health="Degraded", error=f"crash loop {index}")
    elif index % 5 == 3:
        app.update(sync="Drifted (2 objects)", drifted=2)
    elif index % 5 == 4:
        app.update(sync="OutOfSync", commitSubject=f"next change {index}")
    return app


@pytest.fixture
def stand_in(tmp_path: Any) -> Iterator[StandIn]:
    served = StandIn(tmp_path)
    try:
        yield served
    finally:
        served.stop()


def chip(browser: Browser, name: str) -> str:
    return browser.text(f'button[data-filter="{name}"]')


def test_a_thousand_apps_page_filter_search_sort_and_take_a_burst(
    stand_in: StandIn, browser: Browser
) -> None:
    browser.get(stand_in.url + "/")
    browser.wait(lambda: chip(browser, "all") == f"All {APPS}", "every App counted")
    assert chip(browser, "OutOfSync") == "OutOfSync 500"
    assert chip(browser, "Synced") == "Synced 500"
    assert len(browser.all("#apps tr")) == 100
    assert "page 1 of 10" in browser.text("#pager")
    assert browser.text("#apps tr .subject") == "<b>change 0</b>"  # as text

    browser.click('button[data-filter="OutOfSync"]')
    browser.wait(lambda: "500 Apps" in browser.text("#pager"), "the OutOfSync filter")
    assert {b.text for b in browser.all("#apps [data-role=sync]")} == {"OutOfSync"}
    browser.click('button[data-filter="all"]')

    browser.find("#search").send_keys("app-0999")
    browser.wait(lambda: len(browser.all("#apps tr[data-app]")) == 1, "one App found")
    browser.find("#search").clear()
    browser.find("#search").send_keys("team=red")
    browser.wait(lambda: "500 Apps" in browser.text("#pager"), "the label search")
    browser.js("const s = document.getElementById('search'); s.value = '';"
               "s.dispatchEvent(new Event('input'));")  # fmt: skip

    browser.click('th[data-sort="app"]')  # again: descending
    browser.wait(
        lambda: browser.all("#apps tr[data-app]")[0].get_attribute("data-app") == "app-0999",
        "the Apps sorted by name, descending",
    )
    browser.wait(lambda: browser.js("return document.body.dataset.live") == "open", "live")
    browser.js("window.kept = 'no reload'")

    answer = httpx.post(stand_in.url + "/burst", timeout=30)
    assert answer.json() == {"sent": APPS}
    browser.wait(lambda: chip(browser, "Synced") == f"Synced {APPS}", "the burst applied")
    assert not browser.all('button[data-filter="OutOfSync"]')
    assert browser.js("return window.kept") == "no reload"
    assert len(browser.all("#apps tr")) == 100
    assert stand_in.list_requests < 20  # read in batches, not once per App


ROWS = """return [...document.querySelectorAll('#apps tr[data-app]')].map(tr => [
  tr.dataset.app,
  tr.querySelector('[data-role=sync]').textContent,
  tr.querySelector('[data-role=health]').textContent,
  tr.querySelector('.subject').textContent,
  tr.querySelector('.message').textContent,
]);"""


def expected_row(app: dict[str, Any]) -> list[str]:
    sync = "Drifted" if app["sync"].startswith("Drifted") else app["sync"]
    message = app["error"] or app["reason"]
    return [app["app"], sync, app["health"], app["commitSubject"], message]


def test_a_storm_of_events_ends_with_every_row_and_count_as_the_server_has_them(
    stand_in: StandIn, browser: Browser
) -> None:
    browser.get(stand_in.url + "/")
    browser.wait(lambda: chip(browser, "all") == f"All {APPS}", "every App counted")
    browser.wait(lambda: browser.js("return document.body.dataset.live") == "open", "live")
    # Rows of Apps the storm leaves as they are: marked, to see they are not drawn again.
    browser.js("""for (const name of ['app-0000', 'app-0005']) {
      const tr = document.querySelector(`tr[data-app="${name}"]`);
      tr.kept = tr.querySelector('[data-role=sync]').kept = name;
    }""")  # fmt: skip

    answer = httpx.post(stand_in.url + "/storm", timeout=30)
    assert answer.json() == {"sent": 3 * (APPS + len(ADDED))}

    apps = sorted(stand_in.apps.values(), key=lambda app: app["app"])
    tally: dict[str, int] = {}
    for app in apps:
        sync = expected_row(app)[1]
        tally[sync] = tally.get(sync, 0) + 1
    wanted = {"all": f"All {len(apps)}"} | {name: f"{name} {n}" for name, n in tally.items()}
    shown = "button[data-filter]"
    browser.wait(
        lambda: {b.get_attribute("data-filter"): b.text for b in browser.all(shown)} == wanted,
        f"the counts {wanted}",
    )
    browser.wait(lambda: browser.js(ROWS) == [expected_row(a) for a in apps[:100]], "page 1")
    for name in ("app-0000", "app-0005"):
        assert browser.js(f"return document.querySelector('tr[data-app=\"{name}\"]').kept") == name
        kept = f"return document.querySelector('tr[data-app=\"{name}\"] [data-role=sync]').kept"
        assert browser.js(kept) == name

    # Every other page agrees with the server too.
    for page in range(1, 10):
        browser.click("#pager button:last-child")

        def on_page(p: int = page) -> bool:
            return f"page {p + 1} of 10" in browser.text("#pager")

        browser.wait(on_page, "a page")
        rows = [expected_row(a) for a in apps[page * 100 : (page + 1) * 100]]
        assert browser.js(ROWS) == rows

    # Sorted by Sync (the page stays the last one), by (sync, name).
    browser.click('th[data-sort="sync"]')
    by_sync = sorted(apps, key=lambda app: (app["sync"], app["app"]))
    browser.wait(lambda: browser.js(ROWS) == [expected_row(a) for a in by_sync[900:]],
                 "the last page by Sync")  # fmt: skip
