"""``helmCharts`` in a kustomization, inflated by trueup's Helm when the App enables it.

The fixture (``fixtures/kustomize_helm/overlay``) inflates a chart vendored under the
kustomization's ``charts/``, with ``valuesInline``, an additional values file, patches on
the chart's output and a resource of its own. trueup's render must give exactly the
objects that ``kubectl kustomize --enable-helm --helm-command <the helper as helm>`` (the
oracle, run here as a process of its own) prints, and leave the checkout as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.render.test_kustomize_features import (
    by_id,
    canonical,
    container,
    fake_kubectl,
)
from trueup.errors import RenderError
from trueup.render import RenderOptions, render
from trueup.render.private_dir import MEMORY_FS, PREFIX

FIXTURE = Path(__file__).parent / "fixtures" / "kustomize_helm"
PATH = "overlay"


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A checkout holding a copy of the fixture."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    return root.resolve()


def kubectl_kustomize_with_helm(directory: Path, helper: Path, tmp_path: Path) -> list[Any]:
    """What ``kubectl kustomize --enable-helm`` prints for a copy of ``directory``, with
    trueup's Helm helper as the helm command (parsed by PyYAML, not trueup)."""
    copy = tmp_path / "oracle"
    shutil.copytree(directory, copy)
    command = tmp_path / "oracle-bin" / "helm"
    command.parent.mkdir()
    command.symlink_to(helper)
    kubectl = shutil.which("kubectl")
    assert kubectl is not None, "kubectl must be installed: it is the oracle of these tests"
    result = subprocess.run(
        [kubectl, "kustomize", "--enable-helm", "--helm-command", str(command), str(copy)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


def snapshot(root: Path) -> dict[str, str]:
    """Every entry below ``root``: a digest of each file's content, ``dir`` or a link's target."""
    entries: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            entries[rel] = f"link {os.readlink(path)}"
        elif path.is_dir():
            entries[rel] = "dir"
        else:
            entries[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return entries


def private_dirs() -> set[str]:
    """The private render directories of this process that exist now."""
    return {p.name for p in MEMORY_FS.glob(f"{PREFIX}{os.getpid()}-*")}


def test_helm_charts_render_like_kubectl_kustomize_with_helm(
    helm_helper: Path, repository: Path, tmp_path: Path
) -> None:
    expected = kubectl_kustomize_with_helm(repository / PATH, helm_helper, tmp_path)
    rendered = render(repository, PATH, RenderOptions(kustomize_helm=str(helm_helper)))
    got = list(rendered.objects)
    assert sorted(canonical(obj) for obj in got) == sorted(canonical(obj) for obj in expected)
    assert {str(origin) for origin in rendered.origins.values()} == {PATH}
    objects = by_id(got)
    assert set(objects) == {
        "ConfigMap/shop/shop-settings",
        "Deployment/shop/storefront-web",
        "Service/shop/storefront-web",
    }
    web = objects["Deployment/shop/storefront-web"]
    assert web["metadata"]["labels"]["helm.sh/chart"] == "web-1.4.0"  # the chart rendered it
    assert web["metadata"]["labels"]["part-of"] == "shop"  # kustomize labelled its output
    assert web["spec"]["replicas"] == 3  # valuesInline
    assert container(web, "web")["image"] == "nginx:1.27.3"  # valuesInline, nested
    assert container(web, "web")["resources"] == {"limits": {"memory": "256Mi"}}  # values file
    assert container(web, "web")["env"] == [{"name": "MODE", "value": "production"}]  # patch
    service = objects["Service/shop/storefront-web"]
    assert service["spec"]["type"] == "NodePort"  # additional values file
    assert service["metadata"]["annotations"] == {"example.com/exposed-by": "kustomize"}


def test_the_render_writes_nothing_into_the_checkout_and_leaves_no_private_copy(
    helm_helper: Path, repository: Path
) -> None:
    before, dirs_before = snapshot(repository), private_dirs()
    render(repository, PATH, RenderOptions(kustomize_helm=str(helm_helper)))
    assert snapshot(repository) == before
    assert private_dirs() == dirs_before


def test_a_chart_file_linked_out_of_the_repository_is_not_read(
    helm_helper: Path, repository: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked\n")
    (repository / PATH / "charts" / "web" / "templates" / "leak.yaml").symlink_to(outside)
    rendered = render(repository, PATH, RenderOptions(kustomize_helm=str(helm_helper)))
    names = {obj["metadata"]["name"] for obj in rendered.objects}
    assert names == {"shop-settings", "storefront-web"}


def test_helm_charts_are_refused_without_enable_helm_naming_the_field(
    repository: Path, tmp_path: Path
) -> None:
    kubectl, marker = fake_kubectl(tmp_path)
    with pytest.raises(RenderError) as raised:
        render(repository, PATH, RenderOptions(kubectl=kubectl))
    message = str(raised.value)
    assert message.startswith("overlay/kustomization.yaml: helmCharts ('web'): ")
    assert "set spec.kustomize.enableHelm: true" in message
    assert not marker.exists()


def _kustomization(repository: Path, text: str) -> None:
    (repository / PATH / "kustomization.yaml").write_text(text)


@pytest.mark.parametrize(
    ("kustomization", "fragment"),
    [
        (
            "helmCharts:\n- name: redis\n  repo: https://charts.example.com\n  version: 1.0.0\n",
            "helmCharts 'redis': no chart at charts/redis-1.0.0/redis next to the "
            "kustomization; trueup renders only charts vendored in the repository instead "
            "of pulling it from 'https://charts.example.com'",
        ),
        ("helmCharts:\n- name: api\n", "helmCharts 'api': no chart at charts/api"),
        (
            "helmCharts:\n- name: ../../web\n",
            "helmCharts entry '../../web': a chart's name must be one directory name",
        ),
        (
            "helmGlobals:\n  chartHome: /srv/charts\nhelmCharts:\n- name: web\n",
            "helmGlobals.chartHome '/srv/charts' must be a relative path",
        ),
        (
            "helmGlobals:\n  chartHome: ../../..\nhelmCharts:\n- name: web\n",
            "helmCharts 'web' (../../../web) points outside the repository",
        ),
        (
            "helmGlobals:\n  configHome: helm\nhelmCharts:\n- name: web\n",
            "helmGlobals.configHome: trueup gives Helm an empty configuration",
        ),
        (
            "helmCharts:\n- name: web\n  valuesFile: https://example.com/values.yaml\n",
            "helmCharts 'web' valuesFile 'https://example.com/values.yaml' must be a relative "
            "path to a file in the repository",
        ),
        (
            "helmCharts:\n- name: web\n  additionalValuesFiles: [../../../etc/passwd]\n",
            "additionalValuesFiles '../../../etc/passwd' points outside the repository",
        ),
        (
            "helmCharts:\n- name: web\n  additionalValuesFiles: [missing.yaml]\n",
            "additionalValuesFiles 'missing.yaml' does not exist in the repository",
        ),
        (
            "helmChartInflationGenerator:\n- chartName: web\n",
            "helmChartInflationGenerator is kustomize's deprecated form of helmCharts",
        ),
    ],
)
def test_what_would_reach_past_the_repository_is_refused_before_kubectl_runs(
    repository: Path, tmp_path: Path, kustomization: str, fragment: str
) -> None:
    _kustomization(repository, kustomization)
    kubectl, marker = fake_kubectl(tmp_path)
    options = RenderOptions(kubectl=kubectl, kustomize_helm="/nonexistent/helm-helper")
    with pytest.raises(RenderError) as raised:
        render(repository, PATH, options)
    message = str(raised.value)
    assert message.startswith("overlay/kustomization.yaml: ")
    assert fragment in message
    assert not marker.exists()


def test_a_chart_vendored_where_kustomize_pulls_it_to_renders_without_network(
    helm_helper: Path, repository: Path, tmp_path: Path
) -> None:
    # With repo and version, kustomize looks in <chartHome>/<name>-<version>/<name> and pulls
    # only when nothing is there; the repository URL is never contacted.
    charts = repository / PATH / "charts"
    (charts / "web-1.4.0").mkdir()
    (charts / "web").rename(charts / "web-1.4.0" / "web")
    text = (repository / PATH / "kustomization.yaml").read_text()
    _kustomization(
        repository,
        text.replace(
            "  - name: web\n",
            "  - name: web\n    repo: https://unreachable.invalid\n    version: 1.4.0\n",
        ),
    )
    expected = kubectl_kustomize_with_helm(repository / PATH, helm_helper, tmp_path)
    rendered = render(repository, PATH, RenderOptions(kustomize_helm=str(helm_helper)))
    assert sorted(canonical(o) for o in rendered.objects) == sorted(canonical(o) for o in expected)
    assert len(rendered.objects) == 3


def test_the_helper_invoked_as_helm_answers_as_helm_and_refuses_pulls(
    helm_helper: Path, tmp_path: Path
) -> None:
    command = tmp_path / "bin" / "helm"
    command.parent.mkdir()
    command.symlink_to(helm_helper)

    def helm(*args: str) -> subprocess.CompletedProcess[str]:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        return subprocess.run(
            [str(command), *args], capture_output=True, text=True, env=env, check=False
        )

    assert helm("version", "--short").stdout.startswith("v4.")  # Helm's own answer
    # kustomize before v5.8.1 asks with -c, which Helm 4 dropped, and accepts only Helm 3.
    legacy = helm("version", "-c", "--short")
    assert legacy.returncode == 0
    assert legacy.stdout.startswith("v3.0.0+helm.v4.")
    template = helm("template", "shop", str(FIXTURE / PATH / "charts" / "web"))
    assert template.returncode == 0, template.stderr
    assert "name: shop-web" in template.stdout
    pull = helm("pull", "web", "--repo", "https://unreachable.invalid", "--untar")
    assert pull.returncode != 0
    assert "helm pull is refused" in pull.stderr


def test_a_failing_chart_fails_the_render_with_helms_message(
    helm_helper: Path, repository: Path
) -> None:
    template = repository / PATH / "charts" / "web" / "templates" / "required.yaml"
    template.write_text('{{ fail "image.digest is required" }}\n')
    with pytest.raises(RenderError) as raised:
        render(repository, PATH, RenderOptions(kustomize_helm=str(helm_helper)))
    message = str(raised.value)
    assert message.startswith("overlay: kubectl kustomize failed")
    assert "web/templates/required.yaml:1:3): image.digest is required" in message
    assert str(MEMORY_FS) not in message  # the private copy's paths are made relative
    assert "/tmp/" not in message  # and so are those of kubectl's own home
