"""The one rule that tells a port lost between choosing and binding it from other failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.devcluster.processes import port_taken

ETCD = (
    '{"level":"fatal","ts":"2026-12-03T13:24:44.632634Z","caller":"etcdmain/etcd.go:183",'
    '"msg":"discovery failed","error":"listen tcp 127.0.0.1:40701: bind: address already in use"}'
)
APISERVER = (
    'E1203 13:24:45.154052 8494 run.go:72] "command failed" err="failed to create listener: '
    'failed to listen on 127.0.0.1:36015: listen tcp 127.0.0.1:36015: bind: address already in use"'
)


@pytest.mark.parametrize(("line", "port"), [(ETCD, 40701), (APISERVER, 36015)])
def test_a_listen_address_in_use_names_its_port(tmp_path: Path, line: str, port: int) -> None:
    log = tmp_path / "component.log"
    log.write_text(f"some warning\n{line}\n")
    assert port_taken(log) == port


@pytest.mark.parametrize(
    "line",
    [
        '"command failed" err="unknown flag: --no-such-flag"',
        "dial tcp 127.0.0.1:2379: connect: connection refused",
        # A port in use is only a lost race when the component itself could not listen.
        "dial tcp 127.0.0.1:2379: bind: address already in use",
    ],
)
def test_other_failures_are_not_a_taken_port(tmp_path: Path, line: str) -> None:
    log = tmp_path / "component.log"
    log.write_text(line + "\n")
    assert port_taken(log) is None


def test_a_missing_log_is_not_a_taken_port(tmp_path: Path) -> None:
    assert port_taken(tmp_path / "never-written.log") is None
