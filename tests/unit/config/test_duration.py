"""Go-style durations: parsing, refusing, and printing back."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from trueup.config import Duration, PositiveDuration, format_duration, parse_duration

TABLE = yaml.safe_load((Path(__file__).parent / "fixtures" / "durations.yaml").read_text())


@pytest.mark.parametrize(("text", "micros"), TABLE["valid"])
def test_go_style_durations_parse_to_exact_timedeltas(text: str, micros: int) -> None:
    assert parse_duration(text) == timedelta(microseconds=micros)


@pytest.mark.parametrize(("text", "message"), TABLE["invalid"])
def test_malformed_durations_are_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_duration(text)


@pytest.mark.parametrize(("micros", "text"), TABLE["formatted"])
def test_durations_print_in_go_canonical_form_and_parse_back(micros: int, text: str) -> None:
    value = timedelta(microseconds=micros)
    assert format_duration(value) == text
    assert parse_duration(text) == value


class Timing(BaseModel):
    every: PositiveDuration
    grace: Duration = timedelta(0)


def test_duration_fields_accept_strings_and_timedeltas_and_dump_as_strings() -> None:
    timing = Timing.model_validate({"every": "1m30s", "grace": timedelta(seconds=5)})
    assert timing.every == timedelta(seconds=90)
    assert timing.model_dump(mode="json") == {"every": "1m30s", "grace": "5s"}


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        ("0s", "duration_range"),
        ("-1s", "duration_range"),
        (30, "duration_type"),
        ("1y", "duration"),
    ],
)
def test_duration_fields_refuse_zero_negative_numbers_and_garbage(
    value: object, error_type: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Timing.model_validate({"every": value})
    [error] = refused.value.errors()
    assert error["type"] == error_type
    assert error["loc"] == ("every",)
    assert "hint" in (error.get("ctx") or {})


def test_a_zero_duration_is_allowed_where_the_field_allows_it() -> None:
    assert Timing.model_validate({"every": "1s", "grace": "0s"}).grace == timedelta(0)
