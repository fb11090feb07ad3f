"""Which pushes are worth re-applying and which are refused for good, from git's
``push --porcelain`` lines (as git 2.39 writes them)."""

from __future__ import annotations

import pytest

from trueup.gitwrite.push import Outcome, PushStatus, push_status

REF = "refs/heads/main"


def porcelain(*lines: str) -> str:
    return "\n".join(["To https://git.example.test/org/deploy.git", *lines, "Done"]) + "\n"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (" \tHEAD:refs/heads/main\t1111111..2222222", PushStatus(Outcome.PUSHED)),
        ("*\tHEAD:refs/heads/main\t[new branch]", PushStatus(Outcome.PUSHED)),
        ("+\tHEAD:refs/heads/main\t1111111...2222222 (forced update)", PushStatus(Outcome.PUSHED)),
        (
            "!\tHEAD:refs/heads/main\t[rejected] (fetch first)",
            PushStatus(Outcome.MOVED, "fetch first"),
        ),
        (
            "!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)",
            PushStatus(Outcome.MOVED, "non-fast-forward"),
        ),
        (
            "!\tHEAD:refs/heads/main\t[rejected] (stale info)",
            PushStatus(Outcome.STALE, "stale info"),
        ),
        (
            "!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)",
            PushStatus(Outcome.REFUSED, "pre-receive hook declined"),
        ),
        (
            "!\tHEAD:refs/heads/main\t[remote rejected] (protected branch hook declined)",
            PushStatus(Outcome.REFUSED, "protected branch hook declined"),
        ),
        (
            "!\tHEAD:refs/heads/main\t[rejected] (already exists)",
            PushStatus(Outcome.REFUSED, "already exists"),
        ),
        (
            "!\tHEAD:refs/heads/main\t[remote failure] (remote failed to report status)",
            PushStatus(Outcome.REFUSED, "remote failed to report status"),
        ),
    ],
)
def test_the_status_of_the_pushed_ref(line: str, expected: PushStatus) -> None:
    assert push_status(porcelain(line), REF) == expected


def test_only_the_pushed_ref_counts() -> None:
    text = porcelain("!\tHEAD:refs/heads/other\t[remote rejected] (hook declined)")
    assert push_status(text, REF) == PushStatus(Outcome.UNKNOWN)


def test_no_status_line_is_unknown() -> None:
    assert push_status("", REF) == PushStatus(Outcome.UNKNOWN)
    assert push_status("fatal: Authentication failed\n", REF) == PushStatus(Outcome.UNKNOWN)
