"""The web dashboard, served by ``trueup serve`` at ``/`` on the API's listener.

Pages are shells written by :mod:`trueup.dashboard.web`; a plain script
(``static/dashboard.js``, no build step, nothing from a CDN) fills them from the HTTP API
with the browser's session (:mod:`trueup.dashboard.sessions`), and keeps them current from
the API's event stream. See ``docs/dashboard.md``.
"""

from trueup.dashboard.web import Dashboard

__all__ = ["Dashboard"]
