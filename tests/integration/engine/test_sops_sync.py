"""An App with ``spec.decryption`` syncs SOPS-encrypted manifests to the dev-cluster as
their plaintext, and the decrypted values (planted canaries, in a Secret and in a
ConfigMap) show in no output of the CLI and not in the store file."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from tests.integration.daemon.serving import Served
from tests.integration.engine.helpers import APP, PATH, World, assert_nowhere
from trueup.render.sops_run import sops_binary

pytestmark = pytest.mark.cluster

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sops"
SECRET_CANARY = "sops-canary-secret-3f9c2e71"
CONFIGMAP_CANARY = "sops-canary-configmap-8b41d0a6"
CANARIES = (SECRET_CANARY, CONFIGMAP_CANARY, "sops-json-value-51c7e2b9")
KEYS_SECRET = "sops-keys"


@pytest.fixture(scope="session")
def sops_cached(git_cache: Path) -> Path:
    """The real sops, built once, also in the cache folder the ``trueup`` subprocesses use."""
    built = sops_binary(lambda _line: None)
    linked = git_cache / "bin" / built.name
    linked.parent.mkdir(parents=True, exist_ok=True)
    if not linked.exists():
        linked.symlink_to(built)
    return built


def encrypted_files() -> dict[str, str | None]:
    """The encrypted fixtures, replacing the web app's plain ConfigMap ``settings``."""
    files: dict[str, str | None] = {
        f"{PATH}/{name}": (FIXTURES / "yaml" / name).read_text()
        for name in ("secret.yaml", "configmap.yaml", "settings.json")
    }
    files[f"{PATH}/settings.yaml"] = None
    return files


def write_config(world: World) -> None:
    decryption = {"provider": "sops", "secretRef": {"name": KEYS_SECRET}}
    documents = world.documents(app={"decryption": decryption})
    documents.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": KEYS_SECRET},
            "stringData": {"test.agekey": (FIXTURES / "test-only-age-key.txt").read_text()},
        }
    )
    world.config.write_text(yaml.safe_dump_all(documents))


def test_encrypted_manifests_sync_as_plaintext_and_their_values_show_nowhere(
    world: World, sops_cached: Path
) -> None:
    world.commit("Add encrypted settings", encrypted_files())
    write_config(world)

    first = world.sync("-o", "json")

    secret = world.live("Secret", "db-credentials")
    assert secret is not None
    assert base64.b64decode(secret["data"]["password"]).decode() == SECRET_CANARY
    configmap = world.live("ConfigMap", "feature-flags")
    assert configmap is not None
    assert configmap["data"]["apiKey"] == CONFIGMAP_CANARY
    # Changed by hand, so that diff shows the decrypted value on its desired side.
    world.kubectl(
        "patch",
        "configmap",
        "feature-flags",
        "--type",
        "merge",
        "-p",
        '{"data": {"apiKey": "changed-by-hand"}}',
    )
    diff = world.cli("diff", APP)
    assert diff.code == 1, str(diff)
    assert "ConfigMap" in diff.stdout, str(diff)
    assert "********" in diff.stdout, str(diff)
    runs = [
        first,
        diff,
        world.cli("diff", APP, "-o", "json"),
        world.cli("build", APP),
        world.cli("build", APP, "-o", "json"),
        world.cli("build", APP, "-o", "table"),
        world.sync(),
        world.cli("status"),
        world.cli("status", "-o", "json"),
        world.cli("history", APP),
        world.cli("history", APP, "-o", "json"),
    ]
    assert all(run.code == 0 for run in runs[3:]), "\n".join(map(str, runs))
    assert_nowhere(world, CANARIES, runs)
    configmap = world.live("ConfigMap", "feature-flags")
    assert configmap is not None
    assert configmap["data"]["apiKey"] == CONFIGMAP_CANARY  # the hand edit was reverted


def test_the_daemon_syncs_and_heals_decrypted_objects_without_logging_their_values(
    world: World, sops_cached: Path
) -> None:
    world.commit("Add encrypted settings", encrypted_files())
    write_config(world)
    served = Served(world)
    try:
        served.reconciled(trigger="daemon:start")
        mark = served.mark()
        world.kubectl(
            "patch",
            "configmap",
            "feature-flags",
            "--type",
            "merge",
            "-p",
            '{"data": {"apiKey": "changed-by-hand"}}',
        )
        served.reconciled(after=mark, trigger="daemon:drift")
    finally:
        served.stop()
    configmap = world.live("ConfigMap", "feature-flags")
    assert configmap is not None
    assert configmap["data"]["apiKey"] == CONFIGMAP_CANARY
    log = served.log()
    for canary in CANARIES:
        for form in (canary, base64.b64encode(canary.encode()).decode()):
            assert form not in log, f"a decrypted value leaked into the daemon's log:\n{log}"
    assert_nowhere(world, CANARIES, [world.cli("history", APP, "-o", "json")])


def test_a_tampered_file_fails_the_sync_naming_it_and_applies_nothing(
    world: World, sops_cached: Path
) -> None:
    files = encrypted_files()
    files[f"{PATH}/secret.yaml"] = (FIXTURES / "broken" / "tampered.yaml").read_text()
    world.commit("Add encrypted settings, one tampered", files)
    write_config(world)

    run = world.cli("sync", APP, "-o", "json")

    assert run.code == 1, str(run)
    failure = run.json()["failure"]
    assert failure["reason"] == "render"
    assert failure["message"].startswith(f"{PATH}/secret.yaml: sops refused to decrypt it")
    assert world.live("ConfigMap", "feature-flags") is None
    runs = [run, world.cli("status"), world.cli("history", APP, "-o", "json")]
    assert_nowhere(world, CANARIES, runs)


def test_an_app_without_decryption_refuses_an_encrypted_file_naming_it(world: World) -> None:
    world.commit("Add encrypted settings", encrypted_files())

    run = world.cli("sync", APP, "-o", "json")

    assert run.code == 1, str(run)
    message = run.json()["failure"]["message"]
    assert f"{PATH}/configmap.yaml is encrypted with SOPS, but the App has no" in message
    assert world.live("Secret", "db-credentials") is None


EXAMPLE = Path(__file__).parents[3] / "examples" / "sops"


def test_the_sops_example_overlay_syncs_its_decrypted_secrets_and_becomes_healthy(
    world: World, sops_cached: Path
) -> None:
    files: dict[str, str | None] = {
        f"{PATH}/{path.relative_to(EXAMPLE)}": path.read_text()
        for path in sorted(EXAMPLE.rglob("*"))
        if path.is_file()
    }
    world.commit("Add the SOPS example", files)
    example = list(yaml.safe_load_all((EXAMPLE / "trueup.yaml").read_text()))
    [app] = [doc for doc in example if doc["kind"] == "App"]
    [key_secret] = [doc for doc in example if doc["kind"] == "Secret"]
    documents = world.documents(
        app={"path": f"{PATH}/overlays/prod", "decryption": app["spec"]["decryption"]}
    )
    world.config.write_text(yaml.safe_dump_all([*documents, key_secret]))

    run = world.sync("--wait", "-o", "json")

    assert run.json()["health"] == "Healthy", str(run)
    database = world.live("Secret", "database")
    assert database is not None
    assert base64.b64decode(database["data"]["password"]) == b"example-db-password-6d04be"
    deployment = world.live("Deployment", "api")
    assert deployment is not None
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    generated = container["envFrom"][0]["secretRef"]["name"]
    assert generated.startswith("api-env-")
    api_env = world.live("Secret", generated)
    assert api_env is not None
    assert base64.b64decode(api_env["data"]["API_TOKEN"]) == b"example-api-token-2c91f7"
    assert "example-api-token-2c91f7" not in run.output
    assert "example-db-password-6d04be" not in run.output
