"""Markers applied to a real Git checkout: ``git diff`` shows exactly the marked lines."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.servers.gitrepo import WorkRepo, git, git_env, make_bare
from trueup.images import (
    LatestImage,
    PolicyName,
    ProblemKind,
    may_hold_markers,
    set_images,
)

DIGEST = "sha256:" + "0f" * 32
SELECTED: dict[PolicyName, LatestImage | None] = {
    PolicyName("default", "web"): LatestImage("registry.example.test/org/web", "1.4.0"),
    PolicyName("default", "api"): LatestImage("registry.example.test/org/api", "2.1.3", DIGEST),
}

FILES = {
    "apps/web/deployment.yaml": """\
# The web front end.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    description: >
      Folded text that a YAML round-trip
      would rewrap.
spec:
  replicas: 2 # kept
  template:
    spec:
      containers:
        - name: web
          image: registry.example.test/org/web:1.0.0 # {"$imagepolicy": "default:web"}
          args: ["--port", '8080']   # flow style stays
""",
    "apps/api/values.yaml": """\
image:
  repository: registry.example.test/org/api-old # {"$imagepolicy": "default:api:name"}
  tag: "2.0.0" # {"$imagepolicy": "default:api:tag"}
  digest: OLD_DIGEST # {"$imagepolicy": "default:api:digest"}
greeting: héllo wörld   # non-ASCII stays
script: |
  echo "# {\\"$imagepolicy\\": \\"default:web\\"} is text here"
""".replace("OLD_DIGEST", "sha256:" + "0" * 64),
    "apps/api/kustomization.yaml": "images:\r\n- name: api\r\n"
    '  newTag: 2.0.0 # {"$imagepolicy": "default:api:tag"}\r\n'
    "  newName: keep\r\n",
    "apps/other/unmarked.yaml": "image: registry.example.test/org/web:1.0.0\n",
    "apps/other/unknown.yaml": 'image: x:1 # {"$imagepolicy": "default:nope"}\n',
    "README.md": 'image: x:1 # {"$imagepolicy": "default:web"}\n',
}


def apply_markers(checkout: Path) -> list[tuple[str, int, str]]:
    """Apply every file under ``apps``; return the problems as ``(file, line, kind)``."""
    problems: list[tuple[str, int, str]] = []
    for folder, _dirs, names in os.walk(checkout / "apps"):
        for name in sorted(n for n in names if may_hold_markers(n)):
            path = Path(folder, name)
            relative = str(path.relative_to(checkout))
            update = set_images(path.read_bytes(), relative, SELECTED)
            if update.changed:
                path.write_bytes(update.content)
            problems.extend((p.file, p.line, p.kind.value) for p in update.problems)
    return sorted(problems)


def changed_lines(checkout: Path) -> dict[str, list[int]]:
    """``git diff -U0``'s changed line numbers of the new side, per file."""
    diff = subprocess.run(
        ["git", "diff", "-U0", "--no-color"],
        cwd=checkout,
        env=git_env(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    found: dict[str, list[int]] = {}
    current = ""
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            current = line.removeprefix("+++ b/")
        elif line.startswith("@@"):
            new = line.split()[2].removeprefix("+")
            start, _, count = new.partition(",")
            found.setdefault(current, []).extend(range(int(start), int(start) + int(count or "1")))
    return found


def test_git_diff_of_an_update_is_exactly_the_marked_lines(tmp_path: Path) -> None:
    work = WorkRepo(tmp_path / "work")
    work.commit("manifests", FILES)
    bare = make_bare(tmp_path / "deploy.git")
    work.push(bare)
    checkout = tmp_path / "checkout"
    git(["clone", "--quiet", str(bare), str(checkout)], cwd=tmp_path)

    problems = apply_markers(checkout)

    assert changed_lines(checkout) == {
        "apps/api/kustomization.yaml": [3],
        "apps/api/values.yaml": [2, 3, 4],
        "apps/web/deployment.yaml": [16],
    }
    assert problems == [("apps/other/unknown.yaml", 1, ProblemKind.UNKNOWN_POLICY.value)]
    kustomization = (checkout / "apps/api/kustomization.yaml").read_bytes()
    assert kustomization == FILES["apps/api/kustomization.yaml"].replace("2.0.0", "2.1.3").encode()
    values = (checkout / "apps/api/values.yaml").read_text()
    assert '  tag: "2.1.3" # {"$imagepolicy": "default:api:tag"}\n' in values
    assert f"  digest: {DIGEST} #" in values
    deployment = (checkout / "apps/web/deployment.yaml").read_text()
    assert "image: registry.example.test/org/web:1.4.0 # {" in deployment
    assert git(["status", "--porcelain"], cwd=checkout).split() == [
        "M",
        "apps/api/kustomization.yaml",
        "M",
        "apps/api/values.yaml",
        "M",
        "apps/web/deployment.yaml",
    ]


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    work = WorkRepo(tmp_path / "work")
    work.commit("manifests", FILES)
    apply_markers(work.path)
    work.commit("images updated")
    apply_markers(work.path)
    assert git(["status", "--porcelain"], cwd=work.path) == ""
