"""``to_data``: the API's typed answers as JSON-ready data (camelCase keys, enums by value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from trueup.api.models import JSON_NAME
from trueup.api.schema import to_data


class Colour(StrEnum):
    RED = "red-value"


@dataclass(frozen=True)
class Inner:
    colour: Colour
    ready_at: str | None = None


@dataclass(frozen=True)
class Outer:
    inner_items: list[Inner]
    by_name: dict[str, Inner]
    is_ok: bool = True
    count_of: int = 0
    renamed: str = field(default="x", metadata={JSON_NAME: "continue"})


def test_dataclasses_become_camel_case_objects_and_enums_their_values() -> None:
    value = Outer([Inner(Colour.RED, "now")], {"a": Inner(Colour.RED)}, False, 3)

    data = to_data(value)

    assert data == {
        "innerItems": [{"colour": "red-value", "readyAt": "now"}],
        "byName": {"a": {"colour": "red-value", "readyAt": None}},
        "isOk": False,
        "countOf": 3,
        "continue": "x",
    }
    colour = data["innerItems"][0]["colour"]
    assert type(colour) is str  # the enum's value, not the member (a StrEnum is a str too)
    assert to_data(to_data(value)) == data  # the same answer, asked twice (names are cached)
