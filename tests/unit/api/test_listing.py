"""Filters and pages of the App list."""

from __future__ import annotations

import pytest

from trueup.api.bodies import parse_body
from trueup.api.listing import continue_token, parse_query
from trueup.api.models import SyncRequest
from trueup.api.problems import Code, Problem


def test_a_continue_token_asks_for_the_apps_after_the_last_one() -> None:
    query = parse_query({"continue": continue_token("web-0042"), "limit": "10"})
    assert query.after == "web-0042"
    assert query.limit == 10


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "1001"}, {"limit": "ten"}, {"label": "team"}, {"continue": "%%%"}],
)
def test_a_bad_parameter_is_a_bad_request(params: dict[str, str]) -> None:
    with pytest.raises(Problem) as raised:
        parse_query(params)
    assert raised.value.code is Code.BAD_REQUEST


def test_the_status_filter_matches_the_first_word_of_the_sync_status() -> None:
    query = parse_query({"status": "drifted"})
    assert query.matches_status("Drifted (2 objects)")
    assert not query.matches_status("Synced")
    assert parse_query({}).matches_status("anything")


def test_a_sync_body_takes_only_its_own_fields() -> None:
    assert parse_body(b"", SyncRequest) == SyncRequest()
    assert parse_body(b'{"dryRun": true, "prune": null}', SyncRequest) == SyncRequest(True, None)
    for raw in (b'{"object": "Deployment/shop/web"}', b'{"dryRun": "yes"}', b"[]", b"{"):
        with pytest.raises(Problem) as raised:
            parse_body(raw, SyncRequest)
        assert raised.value.code is Code.BAD_REQUEST
