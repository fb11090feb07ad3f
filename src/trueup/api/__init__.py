"""The HTTP API of ``trueup serve``: JSON reads and actions under ``/api/``, with roles.

Served by the daemon's own aiohttp listener (no second server or event loop). Every
route is one row of :data:`trueup.api.table.ROUTES`: the handlers are registered from it
and the OpenAPI document (``/api/openapi.json``) is generated from it, so the two cannot
disagree. Bearer tokens come from ``ApiToken`` objects (:mod:`trueup.api.auth`).

Modules: ``problems`` (error answers), ``auth`` (tokens, roles, App globs), ``models``
(the typed answers), ``schema`` (JSON Schema of a model), ``table`` (the routes),
``openapi`` (the document), ``listing`` (filters and pages of the App list), ``views``
(the CLI's JSON shapes the API answers in), ``reads``, ``tree``, ``actions``, ``stream``
(server-sent events) and ``server`` (the aiohttp glue).
"""
