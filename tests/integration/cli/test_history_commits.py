"""``trueup history`` names the commit of every attempt: its author and subject in the
table, and author, email, subject and committer time in ``-o json``, read from Git."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest
from tests.servers.gitrepo import git

WHEN = datetime(2026, 11, 30, 9, 15, 42, tzinfo=UTC)


def commit_as(world: World, subject: str, name: str, email: str) -> str:
    """Commit a changed ConfigMap as ``name <email>`` at WHEN, push it, return the sha."""
    work = world.repo.work
    work.write({f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": subject}))})
    git(["add", "--all"], cwd=work.path)
    stamp = f"{int(WHEN.timestamp())} +0000"
    env = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    git(["commit", "--quiet", "-m", f"{subject}\n\nWhy it changed."], cwd=work.path, env=env)
    world.repo.push()
    return work.head()


@pytest.mark.cluster
def test_history_shows_each_attempt_s_commit_author_and_subject(world: World) -> None:
    world.sync()
    sha = commit_as(world, "Paint it green", "Ana Lima", "ana@example.com")
    world.sync()

    table = world.cli("history", APP)
    attempts = world.cli("history", APP, "-o", "json").json()

    assert table.code == 0, str(table)
    header, newest, older = table.stdout.splitlines()[:3]
    assert header.split()[5:7] == ["AUTHOR", "SUBJECT"]  # after STARTED (UTC)
    assert re.search(r"  Ana Lima +Paint it green  ", newest), newest
    assert re.search(r"  Test Author +Add the web app  ", older), older
    assert attempts[0]["revision"] == world.revision(sha)
    assert attempts[0]["commit"] == {
        "sha": sha,
        "author": "Ana Lima",
        "email": "ana@example.com",
        "subject": "Paint it green",
        "committedAt": WHEN.isoformat(),
    }
    assert attempts[1]["commit"]["author"] == "Test Author"
