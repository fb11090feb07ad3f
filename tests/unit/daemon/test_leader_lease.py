"""The leader's record in a Lease: read, claimed, released and timed, all pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trueup.daemon.leader_lease import (
    LeaseRecord,
    claimed,
    expired,
    new_lease,
    read_record,
    released,
    whole_seconds,
    with_record,
)

T0 = datetime(2030, 1, 1, tzinfo=UTC)
T1 = T0 + timedelta(seconds=7, microseconds=250)


def test_a_lease_written_by_client_go_reads_back_as_its_record() -> None:
    lease = {
        "spec": {
            "holderIdentity": "pod-7_1234",
            "leaseDurationSeconds": 15,
            "acquireTime": "2030-01-01T00:00:00.000000Z",
            "renewTime": "2030-01-01T00:00:07.000250Z",
            "leaseTransitions": 3,
        }
    }

    assert read_record(lease) == LeaseRecord("pod-7_1234", 15, T0, T1, 3)


def test_missing_or_malformed_fields_read_as_nobody_for_no_time() -> None:
    malformed = {"spec": {"leaseDurationSeconds": "15", "renewTime": "yesterday"}}

    assert read_record({}) == LeaseRecord("", 0, None, None, 0)
    assert read_record(malformed) == LeaseRecord("", 0, None, None, 0)
    assert read_record({"spec": {"leaseTransitions": True}}).transitions == 0


def test_claiming_counts_a_transition_only_when_the_holder_changes() -> None:
    first = claimed(None, "a", T0, 15)
    renewed = claimed(first, "a", T1, 15)
    taken = claimed(renewed, "b", T1, 10)
    after_release = claimed(released(taken, T1), "a", T1, 15)

    assert first == LeaseRecord("a", 15, T0, T0, 0)
    assert renewed == LeaseRecord("a", 15, T0, T1, 0)
    assert taken == LeaseRecord("b", 10, T1, T1, 1)
    assert released(taken, T1) == LeaseRecord("", 1, T1, T1, 1)
    assert after_release.transitions == 2


def test_a_lease_runs_out_its_duration_after_the_observer_saw_it_change() -> None:
    record = LeaseRecord("a", 15, T0, T0, 0)

    assert not expired(100.0, record, 114.9)
    assert expired(100.0, record, 115.0)


def test_a_record_written_over_a_lease_keeps_its_metadata_and_other_fields() -> None:
    live = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "l", "namespace": "ns", "resourceVersion": "9", "labels": {"x": "y"}},
        "spec": {"holderIdentity": "a", "strategy": "OldestEmulationVersion"},
    }

    written = with_record(live, released(read_record(live), T1))

    assert written["metadata"] == live["metadata"]
    assert written["spec"] == {
        "strategy": "OldestEmulationVersion",
        "leaseDurationSeconds": 1,
        "leaseTransitions": 0,
        "acquireTime": "2030-01-01T00:00:07.000250Z",
        "renewTime": "2030-01-01T00:00:07.000250Z",
    }
    assert read_record(new_lease("ns", "l", claimed(None, "a", T1, 3))) == LeaseRecord(
        "a", 3, T1, T1, 0
    )


def test_a_lease_counts_whole_seconds_rounded_up() -> None:
    assert whole_seconds(timedelta(seconds=15)) == 15
    assert whole_seconds(timedelta(seconds=2.5)) == 3
    assert whole_seconds(timedelta(milliseconds=1)) == 1
