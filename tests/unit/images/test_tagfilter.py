"""filterTags: RE2 patterns (linear time, as Flux reads them), extract templates in Go's
syntax, clear errors."""

from __future__ import annotations

import pytest

from trueup.images import FilterError, compile_filter


@pytest.mark.parametrize(
    ("pattern", "extract", "tag", "value"),
    [
        (r"^main-[a-f0-9]+-(?P<ts>[0-9]+)$", "$ts", "main-abc123-1700000000", "1700000000"),
        (r"^main-[a-f0-9]+-(?<ts>[0-9]+)$", "$ts", "main-abc123-17", "17"),
        (r"^v(?P<v>.*)-(?P<os>alpine)$", "${v}.${os}", "v1.2-alpine", "1.2.alpine"),
        (r"^v(.*)-alpine$", "$1", "v1.2-alpine", "1.2"),
        (r"^(?P<a>x)(?P<a1>y)$", "$a1", "xy", "y"),
        (r"^(?P<a>x)(?P<a1>y)$", "${a}1", "xy", "x1"),
        (r"^(?P<a>x)$", "$$a", "x", "$a"),
        (r"^(?P<a>x)$", "cost: $", "x", "cost: $"),
        (r"-rc", "", "1.0.0-rc.1", "1.0.0-rc.1"),
        (r"rc\z", "", "1.0.0-rc", "1.0.0-rc"),
        (r"^[(?<]x$", "", "(x", "(x"),
    ],
)
def test_a_filter_gives_the_value_flux_would_compare(
    pattern: str, extract: str, tag: str, value: str
) -> None:
    assert compile_filter(pattern, extract).value_of(tag) == value


def test_a_tag_the_pattern_does_not_match_is_left_out() -> None:
    assert compile_filter(r"^main-", "").value_of("feature-1") is None
    assert compile_filter(r"rc\z", "").value_of("rc-1") is None


def test_a_catastrophic_pattern_runs_in_linear_time_over_every_tag() -> None:
    # A backtracking engine takes 2^n steps for ^(a+)+$ on n 'a's and a non-matching end:
    # Python's re would not finish this loop within a day. RE2 matches in linear time.
    evil = compile_filter(r"^(a+)+$", "")
    tags = ["a" * n + "!" for n in range(20, 129)] * 50

    assert [evil.value_of(tag) for tag in tags] == [None] * len(tags)
    assert evil.value_of("a" * 128) == "a" * 128


@pytest.mark.parametrize(
    ("pattern", "extract", "message"),
    [
        (r"^main-(?P<ts>[0-9]+", "$ts", "not an RE2 regular expression.*missing \\)"),
        (r"(?<=v)1", "", "no lookaround or backreferences.*invalid perl operator"),
        (r"(?P<a>x)(?P=a)", "", "not an RE2 regular expression"),
        (r"((a{1000}){1000}){1000}", "", "not an RE2 regular expression"),
        (
            r"^main-(?P<ts>[0-9]+)$",
            "$timestamp",
            r"extract names \$\{timestamp\}.*named groups: ts",
        ),
        (r"^main-([0-9]+)$", "$2", r"extract names \$\{2\}"),
        ("a" * 1025, "", "longer than 1024"),
    ],
)
def test_a_bad_filter_is_refused_saying_why(pattern: str, extract: str, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        compile_filter(pattern, extract)
