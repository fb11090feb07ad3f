"""What starting ``trueup`` loads: each command imports only what it runs on.

Run in a fresh interpreter per case, as a user runs the command, and checked by the modules
loaded afterwards (never by time: how fast that is, is measured in ``benchmarks.startup``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUN = """
import json, sys
from trueup.cli.main import typer_app
try:
    typer_app(sys.argv[1:], prog_name="trueup")
except SystemExit:
    pass
json.dump(sorted(name for name, module in sys.modules.items() if module), sys.stderr)
"""

ENGINE = ("trueup.engine", "trueup.apply", "trueup.source", "trueup.targets", "trueup.render.tree")
HTTP = ("httpx", "httpcore", "h2", "anyio", "cryptography")
STORE = ("trueup.store", "sqlite3")
CONFIG = ("trueup.config", "yaml", "trueup.kubeyaml")
OUTPUT = ("rich", "orjson")
DEVCLUSTER = ("trueup.devcluster.cluster", "trueup.devcluster.api", "trueup.devcluster.pki")


def loaded(*args: str, cwd: Path | None = None) -> set[str]:
    """The modules a fresh interpreter holds after ``trueup ARGS`` ran in it."""
    done = subprocess.run(
        [sys.executable, "-c", RUN, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )
    modules: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return set(modules)


def among(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """The packages of ``packages`` (or any of their modules) that ``modules`` holds."""
    return sorted(p for p in packages if any(m == p or m.startswith(f"{p}.") for m in modules))


@pytest.mark.parametrize("args", [("--help",), ("--version",)], ids=" ".join)
def test_help_and_version_load_no_engine_models_store_http_or_rich(args: tuple[str, ...]) -> None:
    modules = loaded(*args)

    heavy = among(modules, (*ENGINE, *HTTP, *STORE, *CONFIG, *OUTPUT, *DEVCLUSTER, "pydantic"))
    assert heavy == []


@pytest.mark.parametrize("command", ["build", "diff", "sync", "status", "history", "dev-cluster"])
def test_a_command_s_help_loads_neither_the_engine_nor_its_output(command: str) -> None:
    modules = loaded(command, "--help")

    # typer itself validates option values with pydantic once a sub-command is parsed.
    assert among(modules, (*ENGINE, *HTTP, *STORE, *CONFIG, *OUTPUT, *DEVCLUSTER)) == []


CONFIG_TEXT = """\
apiVersion: trueup.dev/v1alpha1
kind: GitSource
metadata: {name: deploy}
spec: {url: "https://git.example.test/deploy.git"}
---
apiVersion: trueup.dev/v1alpha1
kind: App
metadata: {name: web}
spec: {source: deploy}
"""


@pytest.mark.parametrize("output", ["table", "json"])
def test_status_reads_the_configuration_and_the_store_without_the_engine_or_http(
    tmp_path: Path, output: str
) -> None:
    config = tmp_path / "trueup.yaml"
    config.write_text(CONFIG_TEXT)
    store = tmp_path / "trueup.db"

    modules = loaded(f"--config={config}", f"--store={store}", "status", "-o", output)

    assert among(modules, ("trueup.config", "trueup.store")) == ["trueup.config", "trueup.store"]
    assert among(modules, (*ENGINE, *HTTP, *DEVCLUSTER)) == []
    assert among(modules, ("rich",)) == [], "trueup writes its output itself, rich is not loaded"


def test_history_reads_the_store_without_the_engine_or_http(tmp_path: Path) -> None:
    config = tmp_path / "trueup.yaml"
    config.write_text(CONFIG_TEXT)
    store = tmp_path / "trueup.db"

    modules = loaded(f"--config={config}", f"--store={store}", "history", "web")

    assert "trueup.store" in modules
    assert among(modules, (*ENGINE, *HTTP, *DEVCLUSTER)) == []


def test_trueup_loads_httpx_without_its_command_line_client() -> None:
    script = (
        "import json, sys\n"
        "import trueup\n"
        "import httpx\n"
        "answer = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(204)))"
        ".get('https://k8s.test/')\n"
        "json.dump([answer.status_code, sorted(m for m in sys.modules if sys.modules[m])],"
        " sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    status, modules = json.loads(done.stderr.strip().splitlines()[-1])

    assert status == 204, "httpx works as before"
    assert among(set(modules), ("httpx._main", "pygments", "rich")) == []
