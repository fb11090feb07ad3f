"""A sealed render (an untrusted ref's) never decrypts a SOPS file: its encrypted values
become placeholders, with no key and without running sops."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import yaml

from trueup.masking import MASK
from trueup.render import RenderLimits, RenderOptions, render
from trueup.render.decrypt import sealed
from trueup.render.sops_meta import SopsFormat

SOPS = Path(__file__).parents[2] / "fixtures" / "sops"
CANARIES = ("sops-canary-secret-3f9c2e71", "sops-canary-configmap-8b41d0a6")


def test_a_sealed_render_shows_placeholders_and_no_secret(tmp_path: Path) -> None:
    for name in ("secret.yaml", "configmap.yaml"):
        target = tmp_path / "app" / name
        target.parent.mkdir(exist_ok=True)
        target.write_text((SOPS / "yaml" / name).read_text())

    rendered = render(tmp_path, "app", RenderOptions(untrusted=True))

    by_kind = {obj["kind"]: obj for obj in rendered.objects}
    assert by_kind["ConfigMap"]["data"]["apiKey"] == MASK
    assert by_kind["Secret"]["stringData"] == {"username": MASK, "password": MASK}
    assert all("sops" not in obj for obj in rendered.objects)
    text = yaml.safe_dump_all(list(rendered.objects))
    assert "ENC[" not in text
    for canary in CANARIES:
        assert canary not in text


def test_a_secret_s_data_gets_the_placeholder_in_base64() -> None:
    data = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {"key": "ENC[AES256_GCM,data:xx,type:str]"},
            "sops": {"mac": "ENC[...]", "lastmodified": "x"},
        }
    ).encode()

    (secret,) = yaml.safe_load_all(sealed(data, SopsFormat.YAML, "s.yaml", RenderLimits()))

    assert secret["data"] == {"key": base64.b64encode(MASK.encode()).decode()}
    assert "sops" not in secret


def test_dotenv_and_binary_files_are_sealed_too() -> None:
    dotenv = b"A=ENC[AES256_GCM,data:xx,type:str]\nB=plain\nsops_version=3.9\n"

    assert (
        sealed(dotenv, SopsFormat.DOTENV, "x.env", RenderLimits())
        == f"A={MASK}\nB=plain\n".encode()
    )
    assert sealed(b"{}", SopsFormat.BINARY, "x.bin", RenderLimits()) == MASK.encode()


def test_a_sealed_kustomization_generates_from_placeholders(tmp_path: Path) -> None:
    shutil.copytree(SOPS / "kustomize", tmp_path / "app")

    rendered = render(tmp_path, "app", RenderOptions(untrusted=True))

    by_name = {str(obj["metadata"]["name"]).rsplit("-", 1)[0]: obj for obj in rendered.objects}
    env = {k: base64.b64decode(v).decode() for k, v in by_name["app-env"]["data"].items()}
    assert env == {"DATABASE_URL": MASK, "LOG_LEVEL": MASK}  # sops encrypts every value
    files = {k: base64.b64decode(v) for k, v in by_name["app-files"]["data"].items()}
    assert files["token"] == MASK.encode()
    text = yaml.safe_dump_all(list(rendered.objects))
    for value in ("sops-dotenv-value-0d6a93f4", "sops-json-generator-value-a27f", *CANARIES):
        assert value not in text
        assert base64.b64encode(value.encode()).decode() not in text
    assert (tmp_path / "app" / "app.env").read_text().count("ENC[AES256_GCM") > 0
