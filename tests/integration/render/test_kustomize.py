"""Kustomize builds through the machine's real ``kubectl kustomize``, and the checks before it."""

from __future__ import annotations

import shutil
import stat
import time
from pathlib import Path

import pytest

from trueup.errors import RenderError
from trueup.objects import object_id
from trueup.render import RenderLimits, RenderOptions, render

REPO = Path(__file__).parent / "fixtures" / "repo"


def fake_kubectl(tmp_path: Path, body: str) -> str:
    """A stand-in kubectl (a shell script) for tests about how kubectl is run."""
    script = tmp_path / "fake-kubectl"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def recording_kubectl(tmp_path: Path) -> tuple[str, Path]:
    marker = tmp_path / "kubectl-ran"
    return fake_kubectl(tmp_path, f'touch "{marker}"; exit 1'), marker


def test_an_overlay_builds_its_base_with_the_patch_and_name_prefix() -> None:
    rendered = render(REPO, "apps/overlay", RenderOptions())
    ids = [str(object_id(obj)) for obj in rendered.objects]
    assert sorted(ids) == ["Deployment/shop/prod-web", "Service/shop/prod-web"]
    (deployment,) = [o for o in rendered.objects if o["kind"] == "Deployment"]
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert {str(o) for o in rendered.origins.values()} == {"apps/overlay"}


def test_a_kustomization_inside_a_plain_directory_is_built_in_walk_order() -> None:
    rendered = render(REPO, "mixed", RenderOptions())
    got = [(str(object_id(o)), str(rendered.origins[object_id(o)])) for o in rendered.objects]
    assert got[0] == ("Namespace/shop", "mixed/namespace.yaml:1")
    assert sorted(got[1:3]) == [
        ("Deployment/shop/prod-web", "mixed/web"),
        ("Service/shop/prod-web", "mixed/web"),
    ]
    assert got[3] == ("ConfigMap/shop/last", "mixed/z-last.yaml:1")


def test_kustomize_output_is_deterministic() -> None:
    first = render(REPO, "apps/overlay", RenderOptions())
    assert render(REPO, "apps/overlay", RenderOptions()) == first


def test_a_broken_kustomization_fails_with_kubectls_message() -> None:
    with pytest.raises(RenderError) as caught:
        render(REPO, "broken", RenderOptions())
    message = str(caught.value)
    assert message.startswith("broken: kubectl kustomize failed (exit 1): ")
    assert "no-such-deployment" in message
    assert str(REPO) not in message  # checkout paths are made relative


def test_helm_charts_are_refused_naming_the_kustomization_before_kubectl_runs(
    tmp_path: Path,
) -> None:
    kubectl, marker = recording_kubectl(tmp_path)
    with pytest.raises(RenderError, match=r"helm/kustomization\.yaml: helmCharts .*not enabled"):
        render(REPO, "helm", RenderOptions(kubectl=kubectl))
    assert not marker.exists()


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("remote", "'https://github.com/example/manifests//base?ref=v1.0.0' is a remote reference"),
        ("remote-git", "components entry 'git::ssh://git@example.com/org/repo.git//component'"),
        ("missing", "'../apps/not-there' does not exist in the repository"),
        ("absolute", "'/etc/kubernetes/manifests' is an absolute path"),
        ("escape", "'../../outside' points outside the repository"),
        ("patch-escape", "patchesStrategicMerge entry '../../outside/patch.yaml' points outside"),
        ("generator-escape", "configMapGenerator.files entry '../../outside/credentials'"),
        (
            "deep-escape",
            "escape/kustomization.yaml: resources entry '../../outside' points outside",
        ),
    ],
)
def test_unsafe_kustomize_references_are_refused_before_kubectl_runs(
    tmp_path: Path, path: str, fragment: str
) -> None:
    kubectl, marker = recording_kubectl(tmp_path)
    with pytest.raises(RenderError) as caught:
        render(REPO, path, RenderOptions(kubectl=kubectl))
    assert fragment in str(caught.value)
    assert not marker.exists()


@pytest.mark.parametrize("path", ["remote", "remote-git"])
def test_a_remote_base_is_refused_by_default_naming_the_setting_and_what_to_do(
    tmp_path: Path, path: str
) -> None:
    kubectl, marker = recording_kubectl(tmp_path)
    with pytest.raises(RenderError) as raised:
        render(REPO, path, RenderOptions(kubectl=kubectl))
    message = str(raised.value)
    assert "spec.kustomize.allowRemoteBases: true" in message
    assert "vendor the base into this repository" in message
    assert not marker.exists()


def test_a_symlinked_resource_leaving_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "apps", repo / "apps")
    (tmp_path / "outside.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")
    (repo / "apps" / "base" / "service.yaml").unlink()
    (repo / "apps" / "base" / "service.yaml").symlink_to(tmp_path / "outside.yaml")
    kubectl, marker = recording_kubectl(tmp_path)
    with pytest.raises(RenderError, match=r"service\.yaml' is a symlink that points outside"):
        render(repo, "apps/overlay", RenderOptions(kubectl=kubectl))
    assert not marker.exists()


def test_kubectl_runs_with_a_clean_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", "/secret/kubeconfig")
    monkeypatch.setenv("GITHUB_TOKEN", "CANARY-TOKEN")
    kubectl = fake_kubectl(
        tmp_path,
        'echo "$1 $2" >&2; env | sort >&2; exit 3',
    )
    with pytest.raises(RenderError) as caught:
        render(REPO, "apps/base", RenderOptions(kubectl=kubectl))
    message = str(caught.value)
    assert "exit 3" in message
    assert "kustomize apps/base" in message  # the argument list, with the path made relative
    assert "CANARY-TOKEN" not in message
    assert "KUBECONFIG" not in message
    assert "HOME=/" in message


@pytest.mark.timeout(30)
def test_a_hanging_kubectl_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    kubectl = fake_kubectl(tmp_path, "sleep 60")
    limits = RenderLimits(kustomize_timeout_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(RenderError, match=r"took longer than 0.5s and was stopped"):
        render(REPO, "apps/base", RenderOptions(kubectl=kubectl, limits=limits))
    assert time.monotonic() - started < 20


@pytest.mark.timeout(30)
def test_endless_kubectl_output_is_cut_at_the_byte_budget(tmp_path: Path) -> None:
    kubectl = fake_kubectl(tmp_path, "exec yes 'apiVersion: v1'")
    limits = RenderLimits(max_total_bytes=1024 * 1024)
    with pytest.raises(RenderError, match=r"kustomize output exceeds 1048576 bytes"):
        render(REPO, "apps/base", RenderOptions(kubectl=kubectl, limits=limits))


def test_a_missing_kubectl_is_reported() -> None:
    with pytest.raises(RenderError, match="'no-such-kubectl-here' was not found"):
        render(REPO, "apps/base", RenderOptions(kubectl="no-such-kubectl-here"))


READS = {
    "apps/overlay",
    "apps/overlay/replicas.yaml",
    "apps/base",
    "apps/base/deployment.yaml",
    "apps/base/service.yaml",
}


def test_a_kustomize_render_reads_its_own_folder_its_bases_and_its_patch_files() -> None:
    rendered = render(REPO, "apps/overlay", RenderOptions())
    assert rendered.reads == READS


@pytest.mark.anyio
async def test_what_a_render_read_survives_the_render_child() -> None:
    from trueup.render import render_async

    rendered = await render_async(REPO, "apps/overlay", RenderOptions())
    assert rendered.reads == READS
