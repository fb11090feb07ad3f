"""Every kustomize feature real overlays use renders as ``kubectl kustomize`` renders it.

Each folder of ``fixtures/kustomize_features`` is a small base and an overlay using one
feature. trueup's ``render`` of the overlay must give exactly the objects that
``kubectl kustomize`` (the oracle, run here as a process of its own) prints: the same
objects with the same content, in kustomize's output order, which is the order trueup
documents for a kustomization. Each fixture must also show its feature at work, so a
fixture that silently stopped using it (and agreed trivially) fails too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.errors import RenderError
from trueup.objects import object_id
from trueup.render import RenderOptions, render

FEATURES = Path(__file__).parent / "fixtures" / "kustomize_features"

Objects = dict[str, dict[str, Any]]


def kubectl_kustomize(directory: Path) -> list[Any]:
    """The objects ``kubectl kustomize directory`` prints (parsed by PyYAML, not trueup)."""
    kubectl = shutil.which("kubectl")
    assert kubectl is not None, "kubectl must be installed: it is the oracle of these tests"
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


def canonical(value: Any) -> str:
    """A text that tells apart 1 and "1" and true and "true", but not key order."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def by_id(objects: list[Any]) -> Objects:
    return {str(object_id(obj)): obj for obj in objects}


def container(deployment: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [
        c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == name
    ]
    return dict(found)


def _components(o: Objects) -> None:
    web = o["Deployment/web"]
    assert container(web, "web")["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert o["ConfigMap/debug-settings"]["metadata"]["annotations"] == {
        "example.com/debug": "enabled"
    }


def _strategic_merge(o: Objects) -> None:
    web = o["Deployment/web"]
    assert web["spec"]["replicas"] == 3
    assert [c["name"] for c in web["spec"]["template"]["spec"]["containers"]] == [
        "log-shipper",
        "web",
    ]
    assert container(web, "web")["env"] == [{"name": "MODE", "value": "production"}]
    assert container(web, "web")["image"] == "nginx:1.27"  # merged, not replaced
    assert o["Service/web"]["spec"]["type"] == "NodePort"


def _json6902(o: Objects) -> None:
    web = o["Deployment/web"]
    assert web["spec"]["replicas"] == 2
    assert container(web, "web")["args"] == ["--verbose"]
    assert "resources" not in container(web, "web")
    assert web["spec"]["template"]["metadata"]["annotations"] == {"example.com/restart": "1"}
    assert o["Service/web"]["spec"]["ports"][0]["port"] == 8080


def _patches_target(o: Objects) -> None:
    web, worker = o["Deployment/web"], o["Deployment/worker"]
    for deployment in (web, worker):
        assert deployment["spec"]["template"]["spec"]["securityContext"] == {"runAsNonRoot": True}
    assert (web["spec"]["replicas"], worker["spec"]["replicas"]) == (1, 4)
    assert o["Service/web"]["metadata"]["annotations"] == {"example.com/matched-by": "name-regex"}
    assert all("never" not in obj["metadata"].get("labels", {}) for obj in o.values())


def _generators(o: Objects) -> None:
    settings = [k for k in o if k.startswith("ConfigMap/web-settings-")]
    files = [k for k in o if k.startswith("ConfigMap/web-files-")]
    secrets = [k for k in o if k.startswith("Secret/web-credentials-")]
    assert len(settings) == len(files) == len(secrets) == 1  # hashed names
    assert o[settings[0]]["data"] == {"COLOR": "green", "GREETING": "hello"}  # merged
    assert o["ConfigMap/release"]["data"] == {"VERSION": "2.4.1"}  # no hash asked for
    web = o["Deployment/web"]
    pod = web["spec"]["template"]["spec"]
    assert container(web, "web")["envFrom"][0]["configMapRef"]["name"] == settings[0].split("/")[1]
    secret_ref = container(web, "web")["env"][0]["valueFrom"]["secretKeyRef"]
    assert secret_ref["name"] == secrets[0].split("/")[1]
    assert pod["volumes"][0]["configMap"]["name"] == files[0].split("/")[1]
    assert pod["volumes"][1]["secret"]["secretName"] == secrets[0].split("/")[1]


def _images(o: Objects) -> None:
    web = o["Deployment/web"]
    assert container(web, "web")["image"] == "registry.example.com/mirror/nginx:1.27.3"
    job = o["CronJob/cleanup"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert job["initContainers"][0]["image"].startswith("busybox@sha256:0123")
    assert job["containers"][0]["image"] == "registry.example.com/tools/cleanup:0.2"


def _namespace(o: Objects) -> None:
    assert len(o) == 5
    namespaced = [obj for obj in o.values() if obj["kind"] not in ("Namespace", "ClusterRole")]
    assert {obj["metadata"]["namespace"] for obj in namespaced} == {"shop-prod"}
    assert "namespace" not in o["Namespace/shop-prod"]["metadata"]
    binding = next(obj for obj in o.values() if obj["kind"] == "RoleBinding")
    assert binding["subjects"][0]["namespace"] == "shop-prod"


def _name_affixes(o: Objects) -> None:
    assert {obj["metadata"]["name"] for obj in o.values()} == {
        "shop-web-v2",
        next(obj["metadata"]["name"] for obj in o.values() if obj["kind"] == "ConfigMap"),
    }
    (configmap,) = [obj for obj in o.values() if obj["kind"] == "ConfigMap"]
    assert configmap["metadata"]["name"].startswith("shop-web-settings-v2-")
    web = next(obj for obj in o.values() if obj["kind"] == "Deployment")
    ref = container(web, "web")["envFrom"][0]["configMapRef"]["name"]
    assert ref == configmap["metadata"]["name"]


def _replacements(o: Objects) -> None:
    service, web = o["Service/web"], o["Deployment/web"]
    assert service["metadata"]["annotations"] == {"example.com/image": "nginx:1.27"}  # file
    assert service["metadata"]["labels"]["host"] == "shop.example.com"  # inline
    assert web["metadata"]["annotations"] == {"example.com/hostname": "shop.example.com"}
    assert container(web, "web")["env"] == [{"name": "UPSTREAM", "value": "web"}]


def _labels(o: Objects) -> None:
    service, web = o["Service/web"], o["Deployment/web"]
    assert service["metadata"]["labels"] == {
        "app": "web",
        "environment": "prod",
        "part-of": "shop",
        "team": "storefront",
        "tracked": "yes",
    }
    assert service["spec"]["selector"] == {"app": "web", "part-of": "shop", "team": "storefront"}
    assert web["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    assert "environment" not in web["spec"]["template"]["metadata"]["labels"]
    assert web["spec"]["template"]["metadata"]["labels"]["tracked"] == "yes"
    assert web["metadata"]["annotations"]["example.com/oncall"] == "true"


def _parent_base(o: Objects) -> None:
    assert set(o) == {
        "Deployment/prod-web",
        "Service/prod-web",
        "PodDisruptionBudget/prod-web",
    }


FEATURE_CHECKS: dict[str, tuple[str, Callable[[Objects], None]]] = {
    "components": ("components/overlay", _components),
    "strategic-merge patches": ("strategic_merge/overlay", _strategic_merge),
    "JSON 6902 patches, inline and from files": ("json6902/overlay", _json6902),
    "patches with target selectors": ("patches_target/overlay", _patches_target),
    "configMap and secret generators": ("generators/overlay", _generators),
    "images": ("images/overlay", _images),
    "namespace": ("namespace/overlay", _namespace),
    "namePrefix and nameSuffix": ("name_affixes/overlay", _name_affixes),
    "replacements, from a file and inline": ("replacements/overlay", _replacements),
    "labels, commonLabels and commonAnnotations": ("labels/overlay", _labels),
    "a base reached through ../../": ("parent_base/envs/prod", _parent_base),
}


@pytest.mark.parametrize("feature", sorted(FEATURE_CHECKS))
def test_an_overlay_renders_the_objects_kubectl_kustomize_renders(feature: str) -> None:
    path, shows_the_feature = FEATURE_CHECKS[feature]
    expected = kubectl_kustomize(FEATURES / path)
    rendered = render(FEATURES, path, RenderOptions())
    got = list(rendered.objects)
    assert [canonical(obj) for obj in got] == [canonical(obj) for obj in expected]
    assert {str(origin) for origin in rendered.origins.values()} == {path}
    shows_the_feature(by_id(got))


def test_every_fixture_folder_is_tested() -> None:
    tested = {path.split("/")[0] for path, _check in FEATURE_CHECKS.values()}
    assert tested == {entry.name for entry in FEATURES.iterdir() if entry.is_dir()}


def fake_kubectl(tmp_path: Path) -> tuple[str, Path]:
    """A kubectl stand-in that leaves a marker file when it runs."""
    marker = tmp_path / "kubectl-ran"
    kubectl = tmp_path / "fake-kubectl"
    kubectl.write_text(f'#!/bin/sh\ntouch "{marker}"\nexit 1\n')
    kubectl.chmod(0o755)
    return str(kubectl), marker


HELM_CHARTS = (
    "helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n    version: 1.0.0\n"
)


def test_helm_charts_in_a_kustomization_are_refused_naming_the_file(tmp_path: Path) -> None:
    overlay = tmp_path / "repo" / "apps" / "web"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(HELM_CHARTS)
    kubectl, marker = fake_kubectl(tmp_path)
    with pytest.raises(RenderError) as raised:
        render(tmp_path / "repo", "apps", RenderOptions(kubectl=kubectl, allow_remote_bases=True))
    message = str(raised.value)
    assert message.startswith("apps/web/kustomization.yaml: helmCharts ('redis'): ")
    assert "Helm chart inflation inside kustomize is not enabled" in message
    assert not marker.exists()


def test_helm_charts_in_a_component_of_an_overlay_are_refused_too(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FEATURES / "components", repo / "app")
    (repo / "app" / "components" / "debug" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n" + HELM_CHARTS
    )
    kubectl, marker = fake_kubectl(tmp_path)
    with pytest.raises(RenderError) as raised:
        render(repo, "app/overlay", RenderOptions(kubectl=kubectl))
    assert str(raised.value).startswith("app/components/debug/kustomization.yaml: helmCharts")
    assert not marker.exists()


def test_without_the_check_kubectl_itself_would_refuse_helm_charts(tmp_path: Path) -> None:
    # What the explicit refusal stands in front of: kubectl needs --enable-helm, never passed.
    (tmp_path / "kustomization.yaml").write_text(HELM_CHARTS)
    kubectl = shutil.which("kubectl")
    assert kubectl is not None
    result = subprocess.run(
        [kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "enable-helm" in result.stderr
