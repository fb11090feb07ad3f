"""set_images: each marked scalar gets its new value in place and no other byte moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueup.images import (
    Field,
    LatestImage,
    PolicyName,
    ProblemKind,
    markers,
    set_images,
)

FIXTURES = Path(__file__).parent / "fixtures"
DIGEST = "sha256:" + "ab" * 32
SELECTED: dict[PolicyName, LatestImage | None] = {
    PolicyName("default", "app"): LatestImage("ghcr.io/org/app", "1.2.4", DIGEST),
    PolicyName("default", "numbers"): LatestImage("ghcr.io/org/numbers", "1.10"),
    PolicyName("flux-system", "podinfo"): LatestImage("ghcr.io/stefanprodan/podinfo", "6.5.0"),
    PolicyName("default", "waiting"): None,
}


def changed_lines(before: bytes, after: bytes) -> list[int]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [i + 1 for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]


@pytest.fixture(params=["libyaml", "pyyaml"])
def scanner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with libyaml's scanner (when PyYAML has it) and with PyYAML's own."""
    if request.param == "pyyaml":
        monkeypatch.setattr(markers, "_FAST", None)
    return str(request.param)


@pytest.mark.usefixtures("scanner")
@pytest.mark.parametrize("name", ["deployment", "helmrelease", "kustomization", "multidoc"])
def test_marked_fields_get_the_selected_image_and_nothing_else_changes(name: str) -> None:
    original = (FIXTURES / f"{name}.yaml").read_bytes()
    expected = (FIXTURES / f"{name}.expected.yaml").read_bytes()
    update = set_images(original, f"{name}.yaml", SELECTED)
    assert update.content == expected
    assert update.problems == ()
    assert sorted({c.line for c in update.changes}) == changed_lines(original, expected)


def test_each_change_says_file_line_old_new_and_policy() -> None:
    text = b'spec:\n  image: ghcr.io/org/app:1.0.0 # {"$imagepolicy": "default:app:tag"}\n'
    (change,) = set_images(text, "apps/web.yaml", SELECTED).changes
    assert (change.file, change.line, change.old, change.new) == (
        "apps/web.yaml",
        2,
        "ghcr.io/org/app:1.0.0",
        "1.2.4",
    )
    assert change.policy == PolicyName("default", "app")
    assert change.field is Field.TAG
    assert str(change) == "apps/web.yaml:2: ghcr.io/org/app:1.0.0 → 1.2.4 (default:app:tag)"


def test_a_value_already_current_is_no_change_and_the_bytes_are_the_same_object() -> None:
    text = b'image: ghcr.io/stefanprodan/podinfo:6.5.0 # {"$imagepolicy": "flux-system:podinfo"}\n'
    update = set_images(text, "f.yaml", SELECTED)
    assert not update.changed
    assert update.content is text


def test_a_file_without_the_marker_token_is_not_even_parsed() -> None:
    text = b"{{ if .Values.x }}: not yaml\n"
    update = set_images(text, "chart/templates/x.yaml", SELECTED)
    assert update.content is text
    assert update.problems == ()


def test_crlf_line_ends_stay_crlf() -> None:
    text = (
        b"a: 1\r\n"
        b'image: ghcr.io/org/app:1.0.0 # {"$imagepolicy": "default:app:tag"}\r\n'
        b"b: |\r\n  block\r\n"
    )
    update = set_images(text, "f.yaml", SELECTED)
    assert update.content == text.replace(b"ghcr.io/org/app:1.0.0", b"1.2.4")


def test_a_byte_order_mark_stays() -> None:
    text = '\ufefftag: 1.0.0 # {"$imagepolicy": "default:app:tag"}\n'.encode()
    assert set_images(text, "f.yaml", SELECTED).content == text.replace(b"1.0.0", b"1.2.4")


def test_a_marker_naming_an_unknown_policy_is_reported_and_not_guessed() -> None:
    text = (
        b'image: ghcr.io/org/app:1.0.0 # {"$imagepolicy": "flux-system:app"}\n'
        b'other: ghcr.io/org/app:1.0.0 # {"$imagepolicy": "default:ap"}\n'
    )
    update = set_images(text, "apps/web.yaml", SELECTED)
    assert update.content is text
    assert [(p.file, p.line, p.kind, p.policy) for p in update.problems] == [
        ("apps/web.yaml", 1, ProblemKind.UNKNOWN_POLICY, "flux-system:app"),
        ("apps/web.yaml", 2, ProblemKind.UNKNOWN_POLICY, "default:ap"),
    ]
    assert "ImagePolicy 'app' in namespace 'flux-system', which is not declared" in str(
        update.problems[0]
    )


@pytest.mark.parametrize(
    ("line", "kind", "words"),
    [
        (b'image: # {"$imagepolicy": "default:app"}', ProblemKind.NOT_A_SCALAR_VALUE, "no value"),
        (b'# {"$imagepolicy": "default:app"}', ProblemKind.NOT_A_SCALAR_VALUE, "line of its own"),
        (b'c: {image: x} # {"$imagepolicy": "default:app"}', ProblemKind.NOT_A_SCALAR_VALUE, "'}'"),
        (b'c: [x] # {"$imagepolicy": "default:app"}', ProblemKind.NOT_A_SCALAR_VALUE, "']'"),
        (
            b'c: &a x\nd: *a # {"$imagepolicy": "default:app"}',
            ProblemKind.NOT_A_SCALAR_VALUE,
            "alias",
        ),
        (b'd: | # {"$imagepolicy": "default:app"}\n  x', ProblemKind.NOT_A_SCALAR_VALUE, "block"),
        (b'i: x # {"$imagepolicy": "default"}', ProblemKind.MALFORMED, "<namespace>:<policy>"),
        (b'i: x # {"$imagepolicy": "default:app:version"}', ProblemKind.MALFORMED, ":tag, :name"),
        (b'i: x # {"$imagepolicy": "default:app"} and more', ProblemKind.MALFORMED, "not a marker"),
        (b'i: x # {"$imagepolicy": "default:waiting"}', ProblemKind.NO_SELECTION, "no image yet"),
        (
            b'i: x # {"$imagepolicy": "default:numbers:digest"}',
            ProblemKind.NO_DIGEST,
            "digest: true",
        ),
        (b'i: "x # {"$imagepolicy": "default:app"}', ProblemKind.UNPARSABLE, "not valid YAML"),
    ],
)
def test_a_marker_that_cannot_be_applied_is_reported_with_its_line(
    line: bytes, kind: ProblemKind, words: str
) -> None:
    text = b"first: line\n" + line + b"\n"
    update = set_images(text, "f.yaml", SELECTED)
    assert update.content is text
    (problem,) = update.problems
    assert problem.kind is kind
    if kind is not ProblemKind.UNPARSABLE:
        marker_row = next(i for i, row in enumerate(line.split(b"\n")) if b"$imagepolicy" in row)
        assert problem.line == 2 + marker_row
    assert words in problem.message


def test_a_comment_that_only_mentions_the_marker_word_is_not_reported() -> None:
    text = b'# see the "$imagepolicy" markers in README\nimage: x\n'
    assert set_images(text, "f.yaml", SELECTED).problems == ()


def test_a_non_utf8_file_is_reported_and_left_alone() -> None:
    text = b'image: \xff # {"$imagepolicy": "default:app"}\n'
    update = set_images(text, "f.yaml", SELECTED)
    assert update.content is text
    assert update.problems[0].kind is ProblemKind.UNPARSABLE


@pytest.mark.parametrize(
    ("scalar", "new_tag", "written"),
    [
        (b"v1", "1.10", b'"1.10"'),
        (b"v1", "20240101", b'"20240101"'),
        (b"v1", "true", b'"true"'),
        (b"v1", "v2", b"v2"),
        (b"'v1'", "it", b"'it'"),
        (b'"v1"', "v2", b'"v2"'),
    ],
)
def test_a_scalar_keeps_its_style_unless_plain_would_not_read_back_as_the_string(
    scalar: bytes, new_tag: str, written: bytes
) -> None:
    selected = {PolicyName("default", "t"): LatestImage("r.example.test/app", new_tag)}
    text = b"tag: " + scalar + b' # {"$imagepolicy": "default:t:tag"}\n'
    update = set_images(text, "f.yaml", selected)
    assert update.content == b"tag: " + written + b' # {"$imagepolicy": "default:t:tag"}\n'
