"""ImageUpdates against the real registry and a real served repository, pushing to the
source's branch: exactly the marked fields change, once; nothing else is ever committed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import trueup.imageupdate.run as run_module
from tests.integration.gitwrite.helpers import show
from tests.integration.imageupdate.conftest import Setup, write_config
from tests.servers.registry_images import write_tags
from trueup.errors import PushRejectedError
from trueup.images import ProblemKind
from trueup.imageupdate import TRAILER, run_update
from trueup.imageupdate.edit import apply_markers
from trueup.store import Revert

pytestmark = pytest.mark.anyio


async def test_a_new_tag_in_range_makes_one_commit_changing_only_the_marked_fields(
    setup: Setup,
) -> None:
    setup.push_tags("1.1.0", "1.2.0", "2.0.0")
    config = await setup.scan()
    before = setup.head()

    result = await run_update(setup.update, config, setup.store)

    [branch] = result.branches
    assert (branch.branch, branch.pushed) == ("main", True)
    assert setup.head() == branch.commit
    assert setup.count() == 3  # initial, add the web app, the update
    diff = setup.diff(branch.commit)
    removed = [
        line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")
    ]
    added = [
        line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")
    ]
    image = setup.image
    assert removed == [
        f'-          image: {image}:1.0.0 # {{"$imagepolicy": "default:app"}}',
        '-  tag: "1.0.0" # {"$imagepolicy": "default:app:tag"}',
    ]
    assert added == [
        f'+          image: {image}:1.2.0 # {{"$imagepolicy": "default:app"}}',
        '+  tag: "1.2.0" # {"$imagepolicy": "default:app:tag"}',
    ]
    assert "other/outside.yaml" not in diff  # outside spec.path
    message = setup.message(branch.commit)
    assert f"- default:app: {image}:1.0.0 → {image}:1.2.0" in message
    assert "- default:app: 1.0.0 → 1.2.0" in message
    assert f"{TRAILER}: ImageUpdate/deploy-repo" in message
    assert branch.parent == before

    again = await run_update(setup.update, config, setup.store)
    assert [b.pushed for b in again.branches] == [False]
    assert again.changes == ()
    assert setup.head() == branch.commit, "no change, no commit"


async def test_non_matching_pre_release_and_malformed_tags_make_no_commit(setup: Setup) -> None:
    setup.push_tags("2.0.0", "1.1.0-rc.1", "0.9.0")
    name = setup.image.split("/", 1)[1]
    digest = setup.registry.pusher.image(name, "junk")
    write_tags(setup.registry.storage, name, digest, ["v1..2", "1.x.y", "latest"])
    config = await setup.scan()
    before = setup.head()

    result = await run_update(setup.update, config, setup.store)

    assert result.changes == ()
    assert [b.pushed for b in result.branches] == [False]
    assert setup.head() == before
    [selected] = result.selected
    assert selected.image is not None
    assert selected.image.tag == "1.0.0"


async def test_a_push_that_loses_a_race_is_reapplied_on_the_new_head(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.push_tags("1.3.0")
    config = await setup.scan()
    real = apply_markers
    calls: list[int] = []

    def racing(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:  # someone pushes while trueup edits
            setup.repo.commit_and_push("someone else", {"apps/web/other.yaml": "x: 1\n"})
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "apply_markers", racing)
    result = await run_update(setup.update, config, setup.store)

    [branch] = result.branches
    assert branch.pushed
    assert len(calls) == 2
    assert setup.head() == branch.commit
    assert show(setup.repo.bare, "apps/web/other.yaml") == "x: 1"
    assert f"{setup.image}:1.3.0" in show(setup.repo.bare, "apps/web/deployment.yaml")
    assert setup.count() == 4  # linear: theirs, then the update on top


async def test_a_protected_branch_is_an_error_and_nothing_is_forced(setup: Setup) -> None:
    setup.push_tags("1.4.0")
    config = await setup.scan()
    hook = setup.repo.bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = setup.head()

    with pytest.raises(PushRejectedError, match="refused by the server: pre-receive hook declined"):
        await run_update(setup.update, config, setup.store)

    assert setup.head() == before


async def test_files_under_a_pending_revert_are_left_alone_and_reported(setup: Setup) -> None:
    setup.push_tags("1.5.0")
    config = await setup.scan()
    await setup.store.record_revert(
        Revert(
            app="web",
            source="GitSource/deploy",
            branch="main",
            paths=("apps/web/deployment.yaml",),
            revision="main@sha1:" + "a" * 40,
            commit="a" * 40,
            parent="b" * 40,
            by="cli:alice",
            at=datetime.now(UTC),
        )
    )

    result = await run_update(setup.update, config, setup.store)

    assert result.held == ("apps/web/deployment.yaml",)
    assert {c.file for c in result.changes} == {"apps/web/values.yaml"}
    assert f"{setup.image}:1.0.0" in show(setup.repo.bare, "apps/web/deployment.yaml")
    assert '"1.5.0"' in show(setup.repo.bare, "apps/web/values.yaml")


async def test_a_marker_naming_an_unknown_policy_is_reported_not_guessed(setup: Setup) -> None:
    setup.repo.commit_and_push(
        "a marker for a policy nobody declared",
        {"apps/web/typo.yaml": f'image: {setup.image}:1.0.0 # {{"$imagepolicy": "default:ap"}}\n'},
    )
    setup.push_tags("1.6.0")
    config = await setup.scan()

    result = await run_update(setup.update, config, setup.store)

    [problem] = result.problems
    assert (problem.file, problem.kind) == ("apps/web/typo.yaml", ProblemKind.UNKNOWN_POLICY)
    assert "default:ap" in str(problem)
    assert f"{setup.image}:1.0.0" in show(setup.repo.bare, "apps/web/typo.yaml")
    assert {c.file for c in result.changes} == {"apps/web/deployment.yaml", "apps/web/values.yaml"}


async def test_a_dry_run_returns_the_diff_and_commits_nothing(setup: Setup) -> None:
    setup.push_tags("1.7.0")
    config = await setup.scan()
    before = setup.head()

    result = await run_update(setup.update, config, setup.store, dry_run=True)

    assert setup.head() == before
    assert result.dry_run
    assert len(result.changes) == 2
    assert "--- a/apps/web/deployment.yaml\n+++ b/apps/web/deployment.yaml\n" in result.diff
    assert f"+          image: {setup.image}:1.7.0 #" in result.diff
    assert '+  tag: "1.7.0" #' in result.diff


async def test_the_commit_author_and_message_template_are_the_image_updates(
    setup: Setup, tmp_path: Path
) -> None:
    source_url = str(setup.config_path.read_text()).split("url: ", 1)[1].split("\n", 1)[0]
    write_config(
        setup.config_path,
        source_url,
        setup.image,
        update={
            "commit": {
                "author": {"name": "Image Bot", "email": "images@example.test"},
                "messageTemplate": "chore({update}): {count} fields\n\n{images}",
            }
        },
    )
    setup.push_tags("1.8.0")
    config = await setup.scan()

    result = await run_update(setup.update, config, setup.store)

    [branch] = result.branches
    assert branch.commit is not None
    message = setup.message(branch.commit)
    assert message.startswith(f"chore(deploy-repo): 2 fields\n\n- default:app: {setup.image}:1.0.0")
    from tests.integration.gitwrite.helpers import bare_git

    people = bare_git(setup.repo.bare, "log", "-1", "--format=%an <%ae>", branch.commit)
    assert people == "Image Bot <images@example.test>"
