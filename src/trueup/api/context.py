"""What every handler is given: the daemon, the CLI's views, the caller and the request,
the Apps' summaries kept ready, and a way to ask who the caller is under the
configuration running now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from trueup.api.auth import Caller
from trueup.api.problems import no_such_app
from trueup.api.summaries import Summaries
from trueup.api.views import Views
from trueup.config import App
from trueup.daemon.daemon import Daemon


@dataclass(frozen=True, slots=True)
class Call:
    """One request to a handler, with who makes it."""

    daemon: Daemon
    views: Views
    caller: Caller
    request: web.Request
    summaries: Summaries
    authorize: Callable[[], Caller]
    """The request's caller under the configuration the daemon runs now (a 401 or 403
    Problem when it is let in no more): a stream checks it once the configuration
    changed."""

    def app(self, name: str | None = None) -> App:
        """The App named in the path (or ``name``), if the caller may see it; else a 404
        that says the same as for an App that does not exist."""
        wanted = name if name is not None else self.request.match_info["name"]
        if self.caller.may_see(wanted):
            for app in self.daemon.config.apps:
                if app.metadata.name == wanted:
                    return app
        raise no_such_app(wanted)
