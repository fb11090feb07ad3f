"""Property: in any file, set_images changes exactly the marked lines and only their values."""

from __future__ import annotations

import json
from unittest.mock import patch

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from trueup.images import LatestImage, PolicyName, markers, set_images

IMAGE = LatestImage("registry.example.test/org/app", "2.0.1", "sha256:" + "cd" * 32)
SELECTED = {PolicyName("default", "app"): IMAGE}
NEW = {"": IMAGE.reference, ":tag": IMAGE.tag, ":name": IMAGE.name, ":digest": IMAGE.digest}

text_chars = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\ufeff"
)
words = st.text(alphabet=text_chars, min_size=0, max_size=12)
plain_words = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)


@st.composite
def scalar(draw: st.DrawFn) -> tuple[str, str]:
    """``(YAML text, value)`` of a one-line scalar in a random style."""
    value = draw(words)
    style = draw(st.sampled_from(["plain", "single", "double"]))
    if style == "plain":
        word = "w-" + draw(plain_words)
        return word, word
    if style == "single":
        return "'" + value.replace("'", "''") + "'", value
    return json.dumps(value, ensure_ascii=draw(st.booleans())), value


@st.composite
def entry(draw: st.DrawFn, index: int) -> tuple[list[str], str | None, str | None]:
    """``(lines, marked key or None, field suffix)`` for one top-level entry."""
    key = f"k{index}"
    kind = draw(
        st.sampled_from(["scalar", "comment", "block", "flow", "blank", "marked", "fake", "anchor"])
    )
    comment = draw(st.sampled_from(["", "  # " + draw(words), " #" + draw(words)]))
    if kind == "scalar":
        text, _ = draw(scalar())
        return [f"{key}: {text}{comment}"], None, None
    if kind == "comment":
        return [f"# {draw(words)}"], None, None
    if kind == "blank":
        return [""], None, None
    if kind == "block":
        indicator = draw(st.sampled_from(["|", ">", "|-", ">+", "|2"]))
        body = draw(st.lists(words, min_size=1, max_size=3))
        fake = '  # {"$imagepolicy": "default:app"}'
        return [f"{key}: {indicator}", *(f"  x{line}" for line in body), fake], None, None
    if kind == "flow":
        a, _ = draw(scalar())
        return [f"{key}: {{a: {a}, b: [1, 2]}}{comment}"], None, None
    if kind == "anchor":
        a, _ = draw(scalar())
        return [f"{key}: &a{index} {a}{comment}", f"{key}x: *a{index}"], None, None
    if kind == "fake":
        return [f'{key}: "# {{\\"$imagepolicy\\": \\"default:app\\"}}"'], None, None
    field = draw(st.sampled_from(["", ":tag", ":name", ":digest"]))
    old = f"old-{index}"
    quoted = draw(st.sampled_from([old, f"'{old}'", f'"{old}"']))
    space = draw(st.sampled_from([" ", "   "]))
    marker = (
        draw(
            st.sampled_from(
                [
                    '{"$imagepolicy": "default:app%s"}',
                    '{"$imagepolicy":"default:app%s"}',
                    ' {  "$imagepolicy" : "default:app%s" } ',
                ]
            )
        )
        % field
    )
    return [f"{key}: {quoted}{space}#{marker}"], key, field


@st.composite
def document(draw: st.DrawFn) -> tuple[str, dict[str, str], list[int]]:
    """A file, the values marked keys must get, and the 1-based lines that must change."""
    count = draw(st.integers(min_value=1, max_value=12))
    lines: list[str] = []
    expected: dict[str, str] = {}
    marked_lines: list[int] = []
    for index in range(count):
        entry_lines, key, field = draw(entry(index))
        if key is not None and field is not None:
            expected[key] = NEW[field] or ""
            marked_lines.append(len(lines) + 1)
        lines.extend(entry_lines)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline, expected, marked_lines


@settings(max_examples=200, deadline=None)
@given(document())
def test_only_the_marked_lines_change_and_only_to_the_selected_values(
    case: tuple[str, dict[str, str], list[int]],
) -> None:
    text, expected, marked_lines = case
    before = text.encode()
    update = set_images(before, "f.yaml", SELECTED)
    with patch.object(markers, "_FAST", None):  # PyYAML's own scanner agrees with libyaml's
        assert set_images(before, "f.yaml", SELECTED) == update
    assert update.problems == ()
    old_lines = before.splitlines(keepends=True)
    new_lines = update.content.splitlines(keepends=True)
    assert len(old_lines) == len(new_lines)
    differing = [i + 1 for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert differing == marked_lines
    assert sorted(c.line for c in update.changes) == marked_lines
    was, now = yaml.safe_load(before), yaml.safe_load(update.content)
    assert now == {**(was or {}), **expected} or (was is None and not expected)
