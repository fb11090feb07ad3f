"""select_for: which tag each rule picks, what it skips, and why it picks nothing."""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trueup.errors import RegistryError
from trueup.images import (
    Alphabetical,
    LatestImage,
    Numerical,
    Order,
    Policy,
    Semver,
    compile_filter,
    select_for,
)
from trueup.images.reference import TAG

DIGEST = "sha256:" + "ab" * 32
TIMESTAMPED = [
    "main-1a2b3c4-1700000300",
    "main-9f8e7d6-1700000100",
    "main-0000000-1700000200",
    "feature-aaaaaaa-1800000000",
    "latest",
]


def semver(text: str, **kwargs: object) -> Policy:
    return Policy(Semver.parse(text), **kwargs)  # type: ignore[arg-type]


def test_semver_picks_the_highest_release_in_the_range() -> None:
    tags = ["1.0.0", "1.4.2", "v1.10.0", "2.0.0", "0.9.9", "1.11.0-rc.1"]
    selection = select_for(semver(">=1.0.0 <2.0.0"), tags)
    assert selection.tag == "v1.10.0"
    assert selection.complete


def test_semver_leaves_pre_releases_out_unless_the_range_names_one() -> None:
    tags = ["1.0.0", "1.1.0-rc.1", "1.1.0-rc.2"]
    assert select_for(semver(">=1.0.0 <2.0.0"), tags).tag == "1.0.0"
    assert select_for(semver(">=1.0.0-0 <2.0.0"), tags).tag == "1.1.0-rc.2"


def test_semver_skips_tags_that_are_not_versions_and_counts_them() -> None:
    selection = select_for(semver("^1.0"), ["1.2.0", "latest", "1.3", "sha-abc", "1.2.1"])
    assert selection.tag == "1.2.1"
    assert (selection.seen, selection.skipped, selection.filtered_out) == (5, 3, 0)


@pytest.mark.parametrize(
    "tags",
    [[], ["latest", "main", "1.2", "v2"], ["2.0.0", "3.1.0"], ["1.5.0-rc.1"]],
    ids=["none", "malformed", "out-of-range", "pre-release-only"],
)
def test_semver_chooses_nothing_when_no_release_fits_and_says_why(tags: list[str]) -> None:
    selection = select_for(semver(">=1.0.0 <2.0.0"), tags)
    assert selection.tag is None
    assert not selection.complete
    assert "no version in range '>=1.0.0 <2.0.0'" in selection.reason
    assert f"{len(tags)} tags seen" in selection.reason
    assert selection.image("registry.example.test/app") is None


def test_tags_that_are_not_oci_tags_are_skipped_before_any_rule() -> None:
    bad = ["-1.0.0", "1.0.0/evil", "x" * 129, "1.0.0 ", ".1.0.0"]
    selection = select_for(Policy(Alphabetical()), [*bad, "1.0.0"])
    assert selection.tag == "1.0.0"
    assert selection.skipped == len(bad)


def test_numerical_with_a_capture_group_picks_the_newest_timestamp() -> None:
    ts = compile_filter(r"^main-[a-f0-9]+-(?P<ts>[0-9]+)$", "$ts")
    selection = select_for(Policy(Numerical(), ts), TIMESTAMPED)
    assert selection.tag == "main-1a2b3c4-1700000300"
    assert selection.filtered_out == 2


def test_numerical_descending_picks_the_smallest_number() -> None:
    ts = compile_filter(r"^main-[a-f0-9]+-(?P<ts>[0-9]+)$", "${ts}")
    selection = select_for(Policy(Numerical(Order.DESC), ts), TIMESTAMPED)
    assert selection.tag == "main-9f8e7d6-1700000100"


def test_numerical_compares_numbers_not_text_and_skips_what_is_no_number() -> None:
    selection = select_for(Policy(Numerical()), ["9", "10", "2.5", "1e1x", "abc", "100.0"])
    assert selection.tag == "100.0"
    assert selection.skipped == 2


def test_numerical_compares_long_timestamps_exactly() -> None:
    tags = ["20231201123456789012", "20231201123456789013"]
    assert select_for(Policy(Numerical()), tags).tag == "20231201123456789013"


def test_alphabetical_with_a_capture_group_orders_by_the_captured_value() -> None:
    minio = compile_filter(r"^RELEASE\.(?P<timestamp>.*)Z$", "$timestamp")
    tags = [
        "RELEASE.2024-01-31T20-20-33Z",
        "RELEASE.2024-03-05T04-48-44Z",
        "RELEASE.2023-12-23T07-19-11Z",
        "latest",
    ]
    assert select_for(Policy(Alphabetical(), minio), tags).tag == "RELEASE.2024-03-05T04-48-44Z"
    first = select_for(Policy(Alphabetical(Order.DESC), minio), tags)
    assert first.tag == "RELEASE.2023-12-23T07-19-11Z"


def test_equal_values_pick_the_greater_tag_name_whatever_the_listing_order() -> None:
    v = compile_filter(r"^(?P<v>[0-9.]+)-(alpine|debian)$", "$v")
    tags = ["1.2.0-alpine", "1.2.0-debian"]
    for listing in (tags, list(reversed(tags))):
        assert select_for(Policy(Alphabetical(), v), listing).tag == "1.2.0-debian"
        assert select_for(semver("1.x", filter=v), listing).tag == "1.2.0-debian"
    assert select_for(Policy(Numerical()), ["1.0", "1"]).tag == "1.0"


def test_a_filter_without_extract_compares_the_whole_tag() -> None:
    rc = compile_filter(r".*-rc.*")
    selection = select_for(semver(">=1.0.0-0", filter=rc), ["1.0.0", "1.1.0-rc.1", "1.2.0-rc.1"])
    assert selection.tag == "1.2.0-rc.1"


def test_a_digest_pinning_policy_is_complete_only_with_the_digest() -> None:
    policy = semver("1.x", digest=True)
    selection = select_for(policy, ["1.0.0", "1.1.0"])
    assert selection.tag == "1.1.0"
    assert not selection.complete
    assert selection.image("registry.example.test/org/app") is None
    pinned = selection.pinned(DIGEST)
    assert pinned.image("registry.example.test/org/app") == LatestImage(
        "registry.example.test/org/app", "1.1.0", DIGEST
    )


def test_digest_of_is_asked_only_for_the_chosen_tag() -> None:
    asked: list[str] = []

    def digest_of(tag: str) -> str:
        asked.append(tag)
        return DIGEST

    selection = select_for(semver("1.x", digest=True), ["1.0.0", "1.1.0"], digest_of)
    assert asked == ["1.1.0"]
    assert selection.digest == DIGEST
    assert selection.complete


def test_a_policy_without_pinning_never_asks_for_a_digest() -> None:
    def digest_of(tag: str) -> str:
        raise AssertionError("not asked")

    image = select_for(semver("1.x"), ["1.1.0"], digest_of).image("r.example.test/app")
    assert image is not None
    assert image.reference == "r.example.test/app:1.1.0"


def test_a_malformed_digest_from_a_registry_is_refused() -> None:
    selection = select_for(semver("1.x", digest=True), ["1.1.0"])
    with pytest.raises(RegistryError, match="not a digest"):
        selection.pinned("sha256:<html>")


tags_strategy = st.lists(
    st.one_of(
        st.from_regex(r"v?[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(-rc\.[0-9])?", fullmatch=True),
        st.from_regex(r"[0-9]{1,12}(\.[0-9]{1,3})?", fullmatch=True),
        st.from_regex(r"main-[a-f0-9]{7}-[0-9]{10}", fullmatch=True),
        st.text(max_size=20),
    ),
    max_size=30,
)
rules = st.sampled_from(
    [
        Policy(Semver.parse(">=1.0.0 <500.0.0")),
        Policy(Semver.parse("*")),
        Policy(Numerical()),
        Policy(Numerical(Order.DESC)),
        Policy(Alphabetical()),
        Policy(Alphabetical(Order.DESC)),
        Policy(Numerical(), compile_filter(r"^main-[a-f0-9]+-(?P<ts>[0-9]+)$", "$ts")),
    ]
)


@settings(max_examples=300, deadline=None)
@given(rules, tags_strategy, st.randoms(use_true_random=False))
def test_the_choice_never_depends_on_the_order_tags_are_listed_in(
    policy: Policy, tags: list[str], random: Random
) -> None:
    shuffled = list(tags)
    random.shuffle(shuffled)
    first, second = select_for(policy, tags), select_for(policy, shuffled)
    assert first == second
    assert first.tag is None or first.tag in tags
    assert first.seen == len(tags)


@settings(max_examples=200, deadline=None)
@given(tags_strategy)
def test_alphabetical_ascending_is_the_greatest_oci_tag(tags: list[str]) -> None:
    valid = [t for t in tags if TAG.fullmatch(t)]
    assert select_for(Policy(Alphabetical()), tags).tag == (max(valid) if valid else None)
