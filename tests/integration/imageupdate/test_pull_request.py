"""Update branches and pull requests: against the real served repository and the local
forge stub's GitHub, GitLab and Gitea endpoints. One pull request per branch, updated in
place; the update branch rebuilt on its base and replaced with a lease, only while trueup
owns it, and left alone while a person's answer to its image set stands. With one branch
per policy, a branch the server refuses does not stop the others."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tests.integration.gitwrite.helpers import bare_git, show
from tests.integration.imageupdate.conftest import Setup, write_config
from tests.integration.imageupdate.test_cli import run as run_cli_here
from tests.servers.forge import TOKEN, ForgeStub
from tests.servers.gitrepo import git
from trueup.devforge import Pull
from trueup.errors import PushRejectedError
from trueup.imageupdate import run_update

pytestmark = pytest.mark.anyio

TOKEN_SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "forge-token"},
    "stringData": {"token": TOKEN},
}


def configure(
    setup: Setup,
    stub: ForgeStub,
    forge: str,
    branch: str,
    *,
    extra: tuple[dict[str, Any], ...] = (),
    **pull: Any,
) -> None:
    source_url = setup.config_path.read_text().split("url: ", 1)[1].split("\n", 1)[0]
    update = {
        "push": {
            "branch": branch,
            "pullRequest": {
                "provider": forge,
                "address": f"{stub.url}/org/deploy",
                "secretRef": {"name": "forge-token"},
                **pull,
            },
        }
    }
    write_config(
        setup.config_path, source_url, setup.image, update=update, extra=(TOKEN_SECRET, *extra)
    )


async def run_cli(setup: Setup, *args: str) -> tuple[int, str, str]:
    """``trueup images …`` in a thread: the command runs an event loop of its own."""
    return await anyio.to_thread.run_sync(lambda: run_cli_here(setup, *args))


def pulls(stub: ForgeStub, forge: str) -> list[Pull]:
    return stub._call(lambda: stub.forge.state.pulls(forge, "org/deploy", open_only=False))


@pytest.mark.parametrize("forge", ["github", "gitlab", "gitea"])
async def test_one_pull_request_is_opened_then_updated_in_place(
    setup: Setup, forge_stub: ForgeStub, forge: str
) -> None:
    configure(setup, forge_stub, forge, "trueup/images", title="Images: {images}")
    setup.push_tags("1.1.0")
    config = await setup.scan()
    main = setup.head()

    first = await run_update(setup.update, config, setup.store)

    [branch] = first.branches
    assert (branch.branch, branch.pushed, branch.pull_action) == ("trueup/images", True, "created")
    assert setup.head() == main, "the source's branch is not written in pull-request mode"
    assert setup.head("trueup/images") == branch.commit
    [pull] = pulls(forge_stub, forge)
    assert (pull.head, pull.base, pull.open) == ("trueup/images", "main", True)
    old, new = f"{setup.image}:1.0.0", f"{setup.image}:1.1.0"
    assert pull.title == f"Images: - default:app: {old} → {new} - default:app: 1.0.0 → 1.1.0"
    assert branch.commit in pull.body

    # Nothing new: nothing pushed, the pull request left as it is.
    same = await run_update(setup.update, config, setup.store)
    assert [(b.pushed, b.pull_action) for b in same.branches] == [(False, "unchanged")]
    assert setup.head("trueup/images") == branch.commit

    # main moves on and a newer tag appears: the branch is rebuilt on the new main, the
    # same pull request gets the new title and body.
    main = setup.repo.commit_and_push("more on main", {"apps/web/extra.yaml": "x: 1\n"})
    setup.push_tags("1.2.0")
    config = await setup.scan()
    second = await run_update(setup.update, config, setup.store)

    [again] = second.branches
    assert (again.pushed, again.pull_action, again.parent) == (True, "updated", main)
    [pull] = pulls(forge_stub, forge)
    assert pull.number == branch.pull_number
    assert "1.2.0" in pull.title
    subjects = bare_git(setup.repo.bare, "log", "--format=%s", "refs/heads/trueup/images")
    assert subjects.splitlines()[:2] == ["Update images in apps", "more on main"]
    assert '"1.2.0"' in show(setup.repo.bare, "apps/web/values.yaml", "trueup/images")


async def test_one_branch_per_policy(setup: Setup, forge_stub: ForgeStub) -> None:
    configure(setup, forge_stub, "gitea", "trueup/{policy}")
    setup.push_tags("1.1.0")
    config = await setup.scan()

    result = await run_update(setup.update, config, setup.store)

    assert [(b.branch, b.pushed) for b in result.branches] == [("trueup/app", True)]
    [pull] = pulls(forge_stub, "gitea")
    assert pull.head == "trueup/app"


async def test_an_update_branch_someone_else_pushed_to_is_never_replaced(
    setup: Setup, forge_stub: ForgeStub
) -> None:
    configure(setup, forge_stub, "gitea", "trueup/images")
    setup.push_tags("1.1.0")
    config = await setup.scan()
    await run_update(setup.update, config, setup.store)
    # A person adds a commit on top of trueup's update branch.
    work = setup.repo.work
    git(["fetch", "--quiet", str(setup.repo.bare), "trueup/images"], cwd=work.path)
    git(["checkout", "--quiet", "-B", "theirs", "FETCH_HEAD"], cwd=work.path)
    theirs = work.commit("a fix of their own", {"apps/web/fix.yaml": "y: 2\n"})
    work.push(setup.repo.bare, "theirs:refs/heads/trueup/images")
    git(["checkout", "--quiet", "main"], cwd=work.path)
    setup.push_tags("1.2.0")
    config = await setup.scan()

    with pytest.raises(PushRejectedError, match="trueup replaces only update branches it owns"):
        await run_update(setup.update, config, setup.store)

    assert setup.head("trueup/images") == theirs
    assert len(pulls(forge_stub, "gitea")) == 1


def close(stub: ForgeStub, forge: str, number: int) -> None:
    """A person closes the pull request without merging it."""
    stub._call(lambda: stub.forge.state.edit_pull(forge, "org/deploy", number, open=False))


@pytest.mark.parametrize("forge", ["github", "gitlab", "gitea"])
async def test_a_pull_request_closed_unmerged_is_not_reopened_for_the_same_images(
    setup: Setup, forge_stub: ForgeStub, forge: str
) -> None:
    configure(setup, forge_stub, forge, "trueup/images")
    setup.push_tags("1.1.0")
    config = await setup.scan()
    [first] = (await run_update(setup.update, config, setup.store)).branches
    assert first.pull_number is not None
    close(forge_stub, forge, first.pull_number)

    # The same images on later runs, even after the base moved: the person's answer stands,
    # and the update branch is left as it was (no pull request will be opened for it).
    again = await run_update(setup.update, config, setup.store)
    assert [(b.pull_action, b.pull_number) for b in again.branches] == [
        ("declined", first.pull_number)
    ]
    setup.repo.commit_and_push("more on main", {"apps/web/extra.yaml": "x: 1\n"})
    left = await run_update(setup.update, config, setup.store)
    assert [(b.pushed, b.pull_action, b.commit) for b in left.branches] == [
        (False, "declined", first.commit)
    ]
    assert setup.head("trueup/images") == first.commit
    assert [(p.number, p.open) for p in pulls(forge_stub, forge)] == [(first.pull_number, False)]

    # A newer image is another proposal: a new pull request.
    setup.push_tags("1.2.0")
    config = await setup.scan()
    [newer] = (await run_update(setup.update, config, setup.store)).branches
    assert newer.pull_action == "created"
    assert newer.pull_number != first.pull_number
    opened = [p for p in pulls(forge_stub, forge) if p.open]
    assert [p.number for p in opened] == [newer.pull_number]
    assert "1.2.0" in opened[0].body


async def test_a_declined_branch_is_not_pushed_after_the_base_moves_and_the_cli_says_why(
    setup: Setup, forge_stub: ForgeStub
) -> None:
    configure(setup, forge_stub, "gitea", "trueup/{policy}")
    setup.push_tags("1.1.0")
    code, out, err = await run_cli(setup, "update", "--scan")
    assert code == 0, out + err
    first = setup.head("trueup/app")
    [pull] = pulls(forge_stub, "gitea")
    close(forge_stub, "gitea", pull.number)
    setup.repo.commit_and_push("more on main", {"apps/web/extra.yaml": "x: 1\n"})

    code, out, err = await run_cli(setup, "update")

    assert code == 0, out + err
    assert setup.head("trueup/app") == first, "a declined image set is not pushed again"
    said = " ".join(out.split())
    assert f"/org/deploy/pull/{pull.number} declined: a person closed it without merging" in said
    assert "proposed this same set of images, so branch trueup/app is left as it is" in said
    assert "a new image (a different set) will open a new one" in said
    assert "pushed" not in said
    assert [(p.number, p.open) for p in pulls(forge_stub, "gitea")] == [(pull.number, False)]


SIDECAR = 'image: IMAGE:1.0.0 # {"$imagepolicy": "default:sidecar"}\n'
SIDECAR_POLICY = {
    "apiVersion": "trueup.dev/v1alpha1",
    "kind": "ImagePolicy",
    "metadata": {"name": "sidecar"},
    "spec": {"imageRepository": "app", "policy": {"semver": {"range": ">=1.0.0 <3.0.0"}}},
}
REFUSE_APP_BRANCH = """#!/bin/sh
while read old new ref; do
  if [ "$ref" = refs/heads/trueup/app ]; then echo 'trueup/app is frozen' >&2; exit 1; fi
done
exit 0
"""


async def test_one_refused_policy_branch_does_not_stop_the_others(
    setup: Setup, forge_stub: ForgeStub
) -> None:
    """Two policies, one branch each; the server refuses the first branch (in sorted
    order), the second still gets its commit and its pull request."""
    configure(setup, forge_stub, "gitea", "trueup/{policy}", extra=(SIDECAR_POLICY,))
    setup.repo.commit_and_push(
        "add a sidecar", {"apps/web/sidecar.yaml": SIDECAR.replace("IMAGE", setup.image)}
    )
    hook = setup.repo.bare / "hooks" / "pre-receive"
    hook.write_text(REFUSE_APP_BRANCH)
    hook.chmod(0o755)
    setup.push_tags("1.1.0", "2.0.0")
    config = await setup.scan()
    main = setup.head()

    result = await run_update(setup.update, config, setup.store)

    refused, written = result.branches
    assert (refused.branch, refused.pushed, refused.commit) == ("trueup/app", False, None)
    assert (refused.error_class, refused.temporary) == ("PushRejectedError", False)
    assert "refused by the server: pre-receive hook declined" in refused.error
    assert result.failed == (refused,)
    assert (written.branch, written.pushed, written.pull_action) == (
        "trueup/sidecar",
        True,
        "created",
    )
    assert not written.error
    assert setup.head("trueup/sidecar") == written.commit
    assert written.parent == main
    assert f"{setup.image}:2.0.0" in show(
        setup.repo.bare, "apps/web/sidecar.yaml", "trueup/sidecar"
    )
    assert "trueup/app" not in bare_git(setup.repo.bare, "branch", "--list", "trueup/*")
    [pull] = pulls(forge_stub, "gitea")
    assert (pull.head, pull.open) == ("trueup/sidecar", True)

    # The CLI says which branch failed and why, and exits 2; the written branch is as it was.
    code, out, err = await run_cli(setup, "update", "--scan")
    assert code == 2, out + err
    said = " ".join(err.split())
    assert "branch trueup/app was not written (PushRejectedError)" in said
    assert "pre-receive hook declined" in said
    assert setup.head("trueup/sidecar") == written.commit


@pytest.mark.parametrize("forge", ["github", "gitlab", "gitea"])
async def test_the_closed_pull_requests_are_listed_once_per_pushed_branch(
    setup: Setup, forge_stub: ForgeStub, forge: str
) -> None:
    # Before the push, the run asks whether these images were declined; the pull request
    # opened after it does not list the closed ones again.
    configure(setup, forge_stub, forge, "trueup/images")
    setup.push_tags("1.1.0")
    config = await setup.scan()
    listed = len(forge_stub.lines)

    result = await run_update(setup.update, config, setup.store)

    assert [(b.pushed, b.pull_action) for b in result.branches] == [(True, "created")]
    closed = [line for line in forge_stub.lines[listed:] if line.endswith("(closed)")]
    assert len(closed) == 1, forge_stub.lines[listed:]
