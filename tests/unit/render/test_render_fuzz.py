"""Any byte string gives objects or a RenderError naming the file, never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given

from tests.yaml_bytes import any_bytes
from trueup.errors import RenderError
from trueup.render import Rendered, RenderOptions, render


@given(data=any_bytes)
def test_any_bytes_give_objects_or_a_render_error_naming_the_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "apps").mkdir()
        (root / "apps" / "m.yaml").write_bytes(data)
        outcome = _render(root)
    if isinstance(outcome, str):
        assert outcome.startswith("apps/m.yaml"), outcome
        return
    for obj in outcome.objects:
        json.dumps(obj, allow_nan=False)  # what is rendered can be sent as JSON
    assert all(origin.path == "apps/m.yaml" for origin in outcome.origins.values())


def _render(root: Path) -> Rendered | str:
    """The render of ``apps``, or its RenderError's message; any other exception escapes."""
    try:
        return render(root, "apps", RenderOptions())
    except RenderError as e:
        return str(e)
