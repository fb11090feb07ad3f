"""``python -m trueup``: the same as the ``trueup`` command."""

from trueup.cli.main import app

app()
