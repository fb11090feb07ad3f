"""Remote kustomize bases: refused by default, fetched by kubectl over https when allowed.

The remote base lives in a real Git repository behind the test HTTPS Git server (its own
throwaway CA, as a private Git host has). Remote bases are fetched anonymously, so the
server here is the test HTTPS server without credentials; the CA is what the App's
GitSource Secret (``ca.crt``) supplies and what ``RenderOptions.remote_ca_cert`` carries.
"""

from __future__ import annotations

import itertools
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.fixtures import ServedRepo
from tests.servers.git_http import GitHttpServer, TlsFiles
from tests.servers.gitrepo import WorkRepo, make_bare
from trueup.errors import RenderError
from trueup.objects import object_id
from trueup.render import RenderOptions, render

_names = itertools.count()

BASE_FILES = {
    "base/kustomization.yaml": "resources:\n  - configmap.yaml\n",
    "base/configmap.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote-settings\n"
        "data:\n  origin: remote-base\n"
    ),
}


@pytest.fixture(scope="module")
def anonymous_https(git_root: Path, git_tls: TlsFiles) -> Iterator[GitHttpServer]:
    """The test HTTPS Git server, serving the session's repositories without credentials."""
    with GitHttpServer(git_root, tls=git_tls) as server:
        yield server


@pytest.fixture
def remote_base(git_root: Path, tmp_path: Path) -> ServedRepo:
    """A served repository holding a kustomization at ``base/``."""
    name = f"remote-base-{next(_names)}.git"
    served = ServedRepo(name, make_bare(git_root / name), WorkRepo(tmp_path / "remote-work"))
    served.commit_and_push("A base", BASE_FILES)
    return served


def overlay(tmp_path: Path, entry: str) -> Path:
    """A repository whose ``app`` kustomization names ``entry`` as a resource."""
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "kustomization.yaml").write_text(
        f"resources:\n  - {entry}\nnamePrefix: prod-\n"
    )
    return repo


def recording_kubectl(tmp_path: Path) -> tuple[str, Path]:
    """A kubectl stand-in that leaves a marker when it runs."""
    marker = tmp_path / "kubectl-ran"
    script = tmp_path / "fake-kubectl"
    script.write_text(f'#!/bin/sh\ntouch "{marker}"\nexit 1\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), marker


def https_url(server: GitHttpServer, repo: ServedRepo, *, git_prefix: bool = False) -> str:
    url = f"{server.url(repo.name)}//base?ref=main"
    return f"git::{url}" if git_prefix else url


@pytest.mark.parametrize("git_prefix", [False, True], ids=["https", "git::https"])
def test_an_allowed_https_remote_base_is_fetched_and_built(
    anonymous_https: GitHttpServer,
    remote_base: ServedRepo,
    git_tls: TlsFiles,
    tmp_path: Path,
    git_prefix: bool,
) -> None:
    repo = overlay(tmp_path, https_url(anonymous_https, remote_base, git_prefix=git_prefix))
    options = RenderOptions(allow_remote_bases=True, remote_ca_cert=git_tls.ca_pem)
    rendered = render(repo, "app", options)
    assert [str(object_id(o)) for o in rendered.objects] == ["ConfigMap/prod-remote-settings"]
    assert rendered.objects[0]["data"] == {"origin": "remote-base"}
    assert any(f"{remote_base.name}/info/refs" in r.path for r in anonymous_https.requests)
    # The remote base may change at any commit: every new revision must render the App.
    assert "." in rendered.reads


def test_a_remote_base_follows_its_ref_at_every_render(
    anonymous_https: GitHttpServer, remote_base: ServedRepo, git_tls: TlsFiles, tmp_path: Path
) -> None:
    repo = overlay(tmp_path, https_url(anonymous_https, remote_base))
    options = RenderOptions(allow_remote_bases=True, remote_ca_cert=git_tls.ca_pem)
    assert render(repo, "app", options).objects[0]["data"] == {"origin": "remote-base"}
    remote_base.commit_and_push(
        "Change the base",
        {"base/configmap.yaml": BASE_FILES["base/configmap.yaml"].replace("remote-base", "v2")},
    )
    assert render(repo, "app", options).objects[0]["data"] == {"origin": "v2"}


def test_the_servers_certificate_is_verified(
    anonymous_https: GitHttpServer, remote_base: ServedRepo, tmp_path: Path
) -> None:
    # Without the private CA the test server's certificate is not trusted: no fetch.
    repo = overlay(tmp_path, https_url(anonymous_https, remote_base))
    with pytest.raises(RenderError) as raised:
        render(repo, "app", RenderOptions(allow_remote_bases=True))
    message = str(raised.value)
    assert message.startswith("app: kubectl kustomize failed")
    assert "certificate" in message.lower()


def test_a_remote_base_is_refused_by_default_naming_the_file_and_the_entry(
    anonymous_https: GitHttpServer, remote_base: ServedRepo, tmp_path: Path
) -> None:
    url = https_url(anonymous_https, remote_base)
    repo = overlay(tmp_path, url)
    kubectl, marker = recording_kubectl(tmp_path)
    with pytest.raises(RenderError) as raised:
        render(repo, "app", RenderOptions(kubectl=kubectl))
    message = str(raised.value)
    assert message.startswith(f"app/kustomization.yaml: resources entry {url!r} is a remote")
    assert "spec.kustomize.allowRemoteBases: true" in message
    assert "vendor the base into this repository" in message
    assert not marker.exists()
    assert all(remote_base.name not in r.path for r in anonymous_https.requests)


@pytest.mark.parametrize(
    "entry",
    [
        "ssh://git@127.0.0.1:2222/org/repo.git//base?ref=main",
        "git::ssh://git@127.0.0.1/org/repo.git//base",
        "git@github.com:org/repo.git//base",
        "http://127.0.0.1:8080/repo.git//base?ref=main",
        "git::http://127.0.0.1:8080/repo.git//base",
        "github.com/org/repo//base?ref=v1",
        "file:///srv/git/repo.git//base",
        "git::file:///srv/git/repo.git//base",
    ],
)
def test_a_remote_base_that_is_not_https_is_refused_even_when_allowed(
    tmp_path: Path, entry: str
) -> None:
    repo = overlay(tmp_path, entry)
    kubectl, marker = recording_kubectl(tmp_path)
    with pytest.raises(RenderError) as raised:
        render(repo, "app", RenderOptions(kubectl=kubectl, allow_remote_bases=True))
    message = str(raised.value)
    assert message.startswith(f"app/kustomization.yaml: resources entry {entry!r} ")
    assert "is a remote reference that is not an https URL" in message
    assert not marker.exists()


def test_credentials_in_a_remote_url_are_refused(tmp_path: Path) -> None:
    repo = overlay(tmp_path, "https://alice:hunter2@127.0.0.1:8443/repo.git//base")
    kubectl, marker = recording_kubectl(tmp_path)
    with pytest.raises(RenderError, match="carries credentials in its URL"):
        render(repo, "app", RenderOptions(kubectl=kubectl, allow_remote_bases=True))
    assert not marker.exists()


def test_local_references_are_still_checked_when_remote_bases_are_allowed(
    tmp_path: Path,
) -> None:
    repo = overlay(tmp_path, "../../outside")
    kubectl, marker = recording_kubectl(tmp_path)
    with pytest.raises(RenderError, match=r"'../../outside' points outside the repository"):
        render(repo, "app", RenderOptions(kubectl=kubectl, allow_remote_bases=True))
    assert not marker.exists()


def test_a_remote_base_is_fetched_over_https_only_even_inside_it(
    anonymous_https: GitHttpServer, git_root: Path, git_tls: TlsFiles, tmp_path: Path
) -> None:
    # A remote base may name further remote bases that trueup never sees before kubectl runs:
    # git itself is limited to https, so a file:// base inside the remote one is not fetched.
    name = f"remote-nested-{next(_names)}.git"
    local = make_bare(git_root / f"local-{name}")
    nested = ServedRepo(name, make_bare(git_root / name), WorkRepo(tmp_path / "nested-work"))
    inner = ServedRepo(local.name, local, WorkRepo(tmp_path / "inner-work"))
    inner.commit_and_push("inner", BASE_FILES)
    nested.commit_and_push(
        "A base that names a file:// base",
        {"base/kustomization.yaml": f"resources:\n  - file://{local}//base?ref=main\n"},
    )
    repo = overlay(tmp_path, https_url(anonymous_https, nested))
    options = RenderOptions(allow_remote_bases=True, remote_ca_cert=git_tls.ca_pem)
    with pytest.raises(RenderError) as raised:
        render(repo, "app", options)
    assert "transport 'file' not allowed" in str(raised.value)


def test_a_remote_base_cannot_reach_local_files_outside_its_clone(
    anonymous_https: GitHttpServer, git_root: Path, git_tls: TlsFiles, tmp_path: Path
) -> None:
    # trueup cannot check a remote base before kubectl fetches it; kustomize confines what a
    # cloned kustomization names to the clone. A local directory on the trueup host is proof.
    secret_dir = tmp_path / "host-only"
    secret_dir.mkdir()
    (secret_dir / "kustomization.yaml").write_text("resources:\n  - cm.yaml\n")
    (secret_dir / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    name = f"remote-escape-{next(_names)}.git"
    escape = ServedRepo(name, make_bare(git_root / name), WorkRepo(tmp_path / "escape-work"))
    upwards = "../" * 12 + str(secret_dir).lstrip("/")
    for case, entry in enumerate((str(secret_dir), upwards)):
        escape.commit_and_push(
            "A base naming a local directory",
            {"base/kustomization.yaml": f"resources: [{entry}]\n"},
        )
        repo = overlay(tmp_path / f"case-{case}", https_url(anonymous_https, escape))
        options = RenderOptions(allow_remote_bases=True, remote_ca_cert=git_tls.ca_pem)
        with pytest.raises(RenderError) as raised:
            render(repo, "app", options)
        message = str(raised.value)
        assert "cannot be absolute" in message or "must be within the repo" in message
