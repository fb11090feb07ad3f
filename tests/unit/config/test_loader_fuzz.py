"""Any byte string gives objects or issues naming the file, never an exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given

from tests.yaml_bytes import any_bytes
from trueup.config.loader import load_config

VALID = (
    "apiVersion: trueup.dev/v1alpha1\nkind: GitSource\nmetadata: {name: main}\n"
    'spec: {url: "https://git.example.com/org/main.git"}\n---\n'
    "apiVersion: trueup.dev/v1alpha1\nkind: App\nmetadata: {name: web}\n"
    "spec: {source: main, path: .}\n"
)


@given(data=any_bytes)
def test_any_bytes_give_objects_or_issues_naming_the_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "a-valid.yaml").write_text(VALID)
        (root / "fuzz.yaml").write_bytes(data)
        config = load_config(root)
    for issue in config.errors:
        assert issue.file == root / "fuzz.yaml", str(issue)
        assert str(issue).startswith(str(root / "fuzz.yaml"))
    # Whatever the other file holds, the objects of the valid file keep loading.
    assert "GitSource/main" in {str(s.id) for s in config.sources}
    assert "App/web" in {str(a.id) for a in config.apps}


@given(data=any_bytes)
def test_any_bytes_inside_a_secret_give_issues_naming_the_file_and_line(data: bytes) -> None:
    text = "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData:\n  password: "
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "secret.yaml").write_bytes(text.encode() + data)
        config = load_config(root)
    for issue in config.errors:
        assert issue.file == root / "secret.yaml", str(issue)
        assert issue.line is not None, str(issue)
