"""SOPS-encrypted files decrypt during render with the real ``sops`` (built from its Go
module) and the real ``kubectl kustomize``; the fixtures were encrypted by the same sops
with a test-only age key (``tests/fixtures/sops``)."""

from __future__ import annotations

import base64
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from trueup.config.decryption import age_identities
from trueup.errors import RenderError
from trueup.objects import Object, object_id
from trueup.render import Rendered, RenderLimits, RenderOptions, render, render_async
from trueup.render.private_dir import MEMORY_FS, PREFIX
from trueup.render.sops_keys import SopsKeys
from trueup.render.sops_run import sops_binary

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sops"
SECRET_CANARY = "sops-canary-secret-3f9c2e71"
CONFIGMAP_CANARY = "sops-canary-configmap-8b41d0a6"


@pytest.fixture(scope="session")
def sops() -> str:
    """The real sops, built from ``render/go/sops`` on first use (fails, never skips)."""
    return str(sops_binary(lambda _line: None))


@pytest.fixture
def keys(sops: str) -> SopsKeys:
    return SopsKeys(sops, tuple(age_identities((FIXTURES / "test-only-age-key.txt").read_text())))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout holding the fixtures (ciphertext only) under their own names."""
    root = tmp_path / "repo"
    for folder in ("yaml", "kustomize", "broken"):
        shutil.copytree(FIXTURES / folder, root / folder)
    return root


def generated_name(obj: Object) -> str:
    """The name of ``obj`` without the hash kustomize appends to generated names."""
    name: str = obj["metadata"]["name"]
    base, _, suffix = name.rpartition("-")
    return base if name.startswith(("app-", "plain-")) and len(suffix) == 10 else name


def by_name(rendered: Rendered) -> dict[str, Object]:
    return {str(object_id(obj)): obj for obj in rendered.objects}


def plaintext(sops: str, path: Path, form: str) -> bytes:
    """What ``sops decrypt`` prints for ``path`` when run by hand with the test key."""
    env = {"SOPS_AGE_KEY_FILE": str(FIXTURES / "test-only-age-key.txt"), "PATH": "/usr/bin"}
    command = [sops, "--config", "/dev/null", "decrypt", "--input-type", form]
    command += ["--output-type", form, str(path)]
    return subprocess.run(command, env=env, capture_output=True, check=True).stdout


def shm_dirs() -> set[Path]:
    return set(MEMORY_FS.glob(f"{PREFIX}*"))


def test_encrypted_yaml_and_json_manifests_render_as_their_plaintext(
    repo: Path, keys: SopsKeys
) -> None:
    rendered = render(repo, "yaml", RenderOptions(decryption=keys))

    objects = by_name(rendered)
    assert sorted(objects) == [
        "ConfigMap/feature-flags",
        "ConfigMap/settings",
        "Secret/db-credentials",
    ]
    assert objects["Secret/db-credentials"]["stringData"] == {
        "username": "app",
        "password": SECRET_CANARY,
    }
    assert objects["ConfigMap/feature-flags"]["data"]["apiKey"] == CONFIGMAP_CANARY
    assert objects["ConfigMap/settings"]["data"] == {
        "token": "sops-json-value-51c7e2b9",
        "mode": "production",
    }
    assert str(rendered.origins[object_id(objects["Secret/db-credentials"])]) == (
        "yaml/secret.yaml:1"
    )


def test_every_decrypted_value_and_no_plain_one_is_to_be_masked(repo: Path, keys: SopsKeys) -> None:
    rendered = render(repo, "yaml", RenderOptions(decryption=keys))

    assert {SECRET_CANARY, CONFIGMAP_CANARY, "sops-json-value-51c7e2b9"} <= rendered.masked_values
    # Left in plain text by encrypted_regex: names and kinds are no secrets.
    assert not {"db-credentials", "Secret", "feature-flags", "v1"} & rendered.masked_values


@pytest.mark.anyio
async def test_the_masked_values_cross_from_the_render_child_process(
    repo: Path, keys: SopsKeys
) -> None:
    rendered = await render_async(repo, "kustomize", RenderOptions(decryption=keys))

    assert SECRET_CANARY in rendered.masked_values
    assert "postgres://app:sops-dotenv-value-0d6a93f4@db:5432/app" in rendered.masked_values


def test_kustomize_generators_read_decrypted_dotenv_json_yaml_and_binary_inputs(
    repo: Path, keys: SopsKeys, sops: str
) -> None:
    rendered = render(repo, "kustomize", RenderOptions(decryption=keys))

    objects = {generated_name(obj): obj for obj in rendered.objects}
    env = {k: base64.b64decode(v).decode() for k, v in objects["app-env"]["data"].items()}
    assert env == {
        "DATABASE_URL": "postgres://app:sops-dotenv-value-0d6a93f4@db:5432/app",
        "LOG_LEVEL": "debug",
    }
    files = {k: base64.b64decode(v) for k, v in objects["app-files"]["data"].items()}
    assert json.loads(files["config.json"]) == {
        "clientSecret": "sops-json-generator-value-a27f",
        "retries": 3,
    }
    assert b"apiKey: sops-yaml-generator-value-c4e8" in files["values.yaml"]
    assert files["token"] == b"binary\x00\xff\xfesops-binary-value-9e13\n"
    assert objects["db-credentials"]["stringData"]["password"] == SECRET_CANARY
    assert "ENC[AES256_GCM" in (repo / "kustomize" / "app.env").read_text()  # untouched


def test_a_decrypted_kustomization_renders_as_kubectl_kustomize_of_its_plaintext(
    repo: Path, keys: SopsKeys, sops: str, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(repo / "kustomize", plain)
    for name, form in [
        ("app.env", "dotenv"),
        ("config.json", "json"),
        ("values.yaml", "yaml"),
        ("token.bin", "binary"),
        ("secret.yaml", "yaml"),
    ]:
        (plain / name).write_bytes(plaintext(sops, repo / "kustomize" / name, form))

    rendered = render(repo, "kustomize", RenderOptions(decryption=keys))

    reference = render(tmp_path, "plain", RenderOptions())  # kubectl kustomize of plaintext
    assert rendered.objects == reference.objects
    assert len(rendered.objects) == 4


def test_a_tampered_file_fails_its_mac_check_naming_the_file(repo: Path, keys: SopsKeys) -> None:
    with pytest.raises(RenderError) as caught:
        render(repo, "broken/tampered.yaml", RenderOptions(decryption=keys))

    message = str(caught.value)
    assert message.startswith("broken/tampered.yaml: sops refused to decrypt it")
    assert "MAC or a value's authentication tag does not match" in message
    assert "MAC mismatch" in message
    assert SECRET_CANARY not in message


def test_a_tampered_generator_input_fails_before_kustomize_runs(
    repo: Path, keys: SopsKeys, tmp_path: Path
) -> None:
    env_file = repo / "kustomize" / "app.env"
    env_file.write_text(env_file.read_text().replace("LOG_LEVEL=", "LOG_LEVEL_X="))
    before = shm_dirs()

    with pytest.raises(
        RenderError, match=r"^kustomize/app.env: sops refused .* authentication failed"
    ):
        render(repo, "kustomize", RenderOptions(decryption=keys))

    assert shm_dirs() <= before


def test_a_file_for_a_key_trueup_lacks_names_the_file_and_its_recipients(
    repo: Path, keys: SopsKeys
) -> None:
    recipient = json.dumps(
        (repo / "broken" / "other-recipient.yaml").read_text().split("recipient: ")[1].split()[0]
    ).strip('"')

    with pytest.raises(RenderError) as caught:
        render(repo, "broken/other-recipient.yaml", RenderOptions(decryption=keys))

    message = str(caught.value)
    assert message.startswith("broken/other-recipient.yaml is encrypted with SOPS for no key")
    assert f"its recipients: age {recipient}" in message
    assert "age1vgvrcnfy8wuy4yekg8gr40cx8vgqxq58qrvjztjhhevexqxj65pqka5tsx" in message


@pytest.mark.parametrize("path", ["yaml", "kustomize"])
def test_an_encrypted_file_without_spec_decryption_fails_naming_the_file(
    repo: Path, path: str
) -> None:
    with pytest.raises(RenderError, match="is encrypted with SOPS, but the App has no"):
        render(repo, path, RenderOptions())


def fake_kubectl(tmp_path: Path, body: str) -> str:
    script = tmp_path / "kubectl-wrapper"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_kustomize_builds_in_a_private_memory_directory_that_is_gone_afterwards(
    repo: Path, keys: SopsKeys, tmp_path: Path
) -> None:
    record = tmp_path / "record"
    kubectl = fake_kubectl(
        tmp_path,
        f'echo "$2" > {record}; stat -c %a "$(dirname "$2")" >> {record}; '
        f'cat "$2/app.env" >> {record}; exec kubectl "$@"',
    )

    rendered = render(repo, "kustomize", RenderOptions(decryption=keys, kubectl=kubectl))

    built_in, mode, *env_lines = record.read_text().splitlines()
    private = Path(built_in).parent
    assert private.parent == MEMORY_FS
    assert private.name.startswith(PREFIX)
    assert mode == "700"
    assert "LOG_LEVEL=debug" in env_lines  # kustomize read plaintext there
    assert not private.exists()
    assert len(rendered.objects) == 4


def test_the_private_directory_is_gone_after_kustomize_fails(
    repo: Path, keys: SopsKeys, tmp_path: Path
) -> None:
    record = tmp_path / "record"
    kubectl = fake_kubectl(tmp_path, f'echo "$2" > {record}; echo "it broke" >&2; exit 1')

    with pytest.raises(RenderError, match="kubectl kustomize failed"):
        render(repo, "kustomize", RenderOptions(decryption=keys, kubectl=kubectl))

    built_in = Path(record.read_text().strip())
    assert built_in.is_relative_to(MEMORY_FS)
    assert not built_in.parent.exists()


@pytest.mark.anyio
async def test_the_private_directory_is_gone_after_the_render_times_out(
    repo: Path, keys: SopsKeys, tmp_path: Path
) -> None:
    record = tmp_path / "record"
    kubectl = fake_kubectl(tmp_path, f'echo "$2" > {record}; exec sleep 60')
    limits = RenderLimits(timeout_seconds=5, kustomize_timeout_seconds=60)

    with pytest.raises(RenderError, match="took longer than 5s"):
        await render_async(
            repo, "kustomize", RenderOptions(decryption=keys, kubectl=kubectl, limits=limits)
        )

    built_in = Path(record.read_text().strip())
    assert built_in.is_relative_to(MEMORY_FS)
    assert not built_in.parent.exists()


def test_a_kustomize_error_quoting_a_decrypted_value_masks_it(repo: Path, keys: SopsKeys) -> None:
    (repo / "kustomize" / "kustomization.yaml").write_text(
        """\
resources: [secret.yaml]
replacements:
- source: {kind: Secret, name: db-credentials, fieldPath: stringData.password}
  targets:
  - select: {kind: Secret, name: db-credentials}
    fieldPaths: [stringData.password.nested]
"""
    )

    with pytest.raises(RenderError) as caught:
        render(repo, "kustomize", RenderOptions(decryption=keys))

    message = str(caught.value)
    assert "kubectl kustomize failed" in message
    assert "********" in message
    assert SECRET_CANARY not in message


def test_a_kustomization_reading_no_encrypted_file_builds_the_checkout_itself(
    repo: Path, keys: SopsKeys, tmp_path: Path
) -> None:
    plain = repo / "plain"
    plain.mkdir()
    (plain / "kustomization.yaml").write_text("configMapGenerator:\n- name: c\n  literals: [a=b]\n")
    record = tmp_path / "record"
    kubectl = fake_kubectl(tmp_path, f'echo "$2" > {record}; exec kubectl "$@"')

    render(repo, "plain", RenderOptions(decryption=keys, kubectl=kubectl))

    assert Path(record.read_text().strip()) == plain.resolve()


def agents_in_private_homes() -> list[str]:
    """Command lines of gpg-agents started for a render's private GnuPG home."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "gpg-agent" in text and f"{MEMORY_FS}/{PREFIX}" in text:
            found.append(text)
    return found


@pytest.fixture
def pgp_keys(sops: str) -> SopsKeys:
    """The test-only PGP key alone: no age identity."""
    return SopsKeys(sops, (), ((FIXTURES / "test-only-pgp-key.asc").read_text(),))


def test_a_file_encrypted_for_a_pgp_key_decrypts_in_a_private_gnupg_home_removed_after(
    tmp_path: Path, pgp_keys: SopsKeys
) -> None:
    shutil.copytree(FIXTURES / "pgp", tmp_path / "pgp")
    before = shm_dirs()

    rendered = render(tmp_path, "pgp", RenderOptions(decryption=pgp_keys))

    [secret] = rendered.objects
    assert secret["stringData"] == {"token": "sops-pgp-value-4a7d19c2"}
    assert "sops-pgp-value-4a7d19c2" in rendered.masked_values
    assert shm_dirs() <= before
    assert agents_in_private_homes() == []


def test_a_pgp_file_without_its_key_names_its_fingerprint(tmp_path: Path, keys: SopsKeys) -> None:
    shutil.copytree(FIXTURES / "pgp", tmp_path / "pgp")
    fingerprint = (tmp_path / "pgp" / "secret.yaml").read_text().split("fp: ")[1].split()[0]

    with pytest.raises(RenderError) as caught:
        render(tmp_path, "pgp", RenderOptions(decryption=keys))

    message = str(caught.value)
    assert message.startswith("pgp/secret.yaml is encrypted with SOPS for no key trueup holds")
    assert f"its recipients: pgp {fingerprint}" in message


@pytest.mark.anyio
async def test_a_render_stopped_on_timeout_stops_the_gpg_agent_and_removes_its_home(
    tmp_path: Path, pgp_keys: SopsKeys
) -> None:
    shutil.copytree(FIXTURES / "pgp", tmp_path / "pgp")
    (tmp_path / "pgp" / "kustomization.yaml").write_text("resources: [secret.yaml]\n")
    record = tmp_path / "record"
    kubectl = fake_kubectl(tmp_path, f'echo "$2" > {record}; exec sleep 60')
    limits = RenderLimits(timeout_seconds=5, kustomize_timeout_seconds=60)
    before = shm_dirs()

    with pytest.raises(RenderError, match="took longer than 5s"):
        await render_async(
            tmp_path, "pgp", RenderOptions(decryption=pgp_keys, kubectl=kubectl, limits=limits)
        )

    assert Path(record.read_text().strip()).is_relative_to(MEMORY_FS)  # it got that far
    assert shm_dirs() <= before
    assert agents_in_private_homes() == []
