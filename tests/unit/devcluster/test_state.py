"""The dev-cluster's state file survives a round trip and a corrupt one is reported clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.devcluster.state import Process, State
from trueup.errors import DevClusterError


def test_state_round_trips_through_its_file(tmp_path: Path) -> None:
    state = State(
        server="https://127.0.0.1:6443",
        kubeconfig=str(tmp_path / "kubeconfig"),
        processes=(Process("etcd", 42, "/bin/etcd"),),
        nodes=3,
        ready=True,
    )
    state.write(tmp_path)
    assert State.read(tmp_path) == state


def test_no_state_file_means_no_state(tmp_path: Path) -> None:
    assert State.read(tmp_path) is None


def test_a_corrupt_state_file_names_itself_and_the_way_out(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{not json")
    with pytest.raises(DevClusterError) as raised:
        State.read(tmp_path)
    assert str(tmp_path / "state.json") in str(raised.value)
    assert "trueup dev-cluster down" in str(raised.value)
