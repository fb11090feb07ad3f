"""Charts rendered by trueup's Helm helper agree with ``helm template`` of the same Helm.

The vendored fixture charts (``tests/fixtures/charts``: a web app with an HPA, a key-value
store StatefulSet, and an umbrella chart depending on both by ``file://``) are rendered
through ``render.helm`` and through Helm's own command line of the same pinned binary, with
the same release, namespace, capabilities and values; the documents must be equal byte for
byte once sorted.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers.chart_repo import CHARTS, run_helm
from trueup.config.helm import HelmSpec
from trueup.errors import RenderError
from trueup.render.helm import HelmRender, render_chart, render_chart_full
from trueup.render.helm_run import run_helper
from trueup.render.options import RenderLimits

KUBE_VERSION = "v1.31.2"
API_VERSIONS = ("example.com/v1", "example.com/v1/Widget")
INLINE = {"webapp": {"replicaCount": 3, "podAnnotations": {"team": "shop"}}}


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A checkout holding the fixture charts under ``charts/``."""
    root = tmp_path / "repo"
    shutil.copytree(CHARTS, root / "charts")
    return root.resolve()


def _helm_template(binary: Path, root: Path, tmp_path: Path, chart: str, *args: str) -> str:
    """``helm template`` of a copy of the chart, its file:// dependencies built first."""
    copy = tmp_path / "cli"
    shutil.copytree(root, copy)
    chart_dir = copy / "charts" / chart
    if (chart_dir / "Chart.yaml").read_text().count("file://"):
        run_helm(binary, "dependency", "build", str(chart_dir), cwd=tmp_path)
    return run_helm(
        binary,
        "template",
        "shop",
        str(chart_dir),
        "--namespace",
        "prod",
        "--kube-version",
        KUBE_VERSION,
        "--api-versions",
        ",".join(API_VERSIONS),
        "--include-crds",
        "--skip-tests",
        *args,
        cwd=tmp_path,
    )


def _documents(text: str) -> list[str]:
    """The documents of a multi-document YAML text, each stripped, sorted."""
    return sorted(d.strip() for d in f"\n{text}".split("\n---\n") if d.strip())


def _helm(binary: Path, chart: str, **spec: Any) -> HelmRender:
    return HelmRender(
        str(binary),
        HelmSpec.model_validate({"chart": chart, **spec}),
        "shop",
        "prod",
        KUBE_VERSION,
        API_VERSIONS,
    )


def test_a_chart_with_dependencies_and_a_values_overlay_renders_like_helm_template(
    helm_helper: Path, repository: Path, tmp_path: Path
) -> None:
    inline = tmp_path / "inline.yaml"
    inline.write_text(yaml.safe_dump(INLINE))
    overlay = str(repository / "charts" / "stack" / "overlay.yaml")
    expected = _helm_template(
        helm_helper, repository, tmp_path, "stack", "-f", overlay, "-f", str(inline)
    )

    # The helper's own documents, byte for byte.
    chart = tmp_path / "helper-copy"
    shutil.copytree(repository, chart)
    request = {
        "chartPath": str(chart / "charts" / "stack"),
        "releaseName": "shop",
        "namespace": "prod",
        "valuesFiles": [overlay, str(inline)],
        "kubeVersion": KUBE_VERSION,
        "apiVersions": list(API_VERSIONS),
        "includeCRDs": True,
        "workDir": str(tmp_path / "helm"),
    }
    work = tmp_path / "run"
    work.mkdir()
    result = run_helper(
        str(helm_helper), request, work, timeout=60, max_memory=2**30, max_output=2**26
    )
    documents = [*result["crds"], *result["manifests"]]
    got = [f"# Source: {d['source']}\n{d['content']}" for d in documents]
    assert _documents("\n---\n".join(got)) == _documents(expected)
    assert [h["source"] for h in result["hooks"]] == ["stack/charts/webapp/templates/tests.yaml"]

    # Through render.helm: the same objects, CRD first, each from its template file.
    helm = _helm(
        helm_helper, "charts/stack", valuesFiles=["charts/stack/overlay.yaml"], values=INLINE
    )
    full = render_chart_full(repository, helm, RenderLimits())
    assert full.unstable == ()  # the password is set: two renders agree
    rendered = full.rendered
    parsed = [d for d in yaml.safe_load_all(expected) if d]
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    assert sorted(rendered.objects, key=key) == sorted(parsed, key=key)
    assert rendered.objects[0]["kind"] == "CustomResourceDefinition"
    origins = {str(o) for o in rendered.origins.values()}
    assert "charts/stack/crds/widgets.yaml" in origins
    assert "charts/stack/charts/webapp/templates/hpa.yaml" in origins
    assert {"charts/stack", "charts/webapp", "charts/kvstore"} <= rendered.reads
    assert "charts/stack/overlay.yaml" in rendered.reads

    by_name = {o["metadata"]["name"]: o for o in rendered.objects}
    settings = by_name["shop-settings"]["data"]
    assert settings == {
        "greeting": "bonjour",  # the overlay over the chart's values
        "kubeVersion": KUBE_VERSION,  # .Capabilities
        "hasWidgets": "true",
        "release": "shop",
    }
    webapp = by_name["shop-webapp"]
    if webapp["kind"] != "Deployment":
        webapp = next(o for o in rendered.objects if o["kind"] == "Deployment")
    env = webapp["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "WEBAPP_MESSAGE", "value": "from the overlay"}]
    assert webapp["spec"]["template"]["metadata"]["annotations"] == {"team": "shop"}  # inline


@pytest.mark.parametrize("chart", ["webapp", "kvstore"])
def test_the_vendored_charts_render_like_helm_template(
    helm_helper: Path, repository: Path, tmp_path: Path, chart: str
) -> None:
    values = {"auth": {"password": "fixed"}} if chart == "kvstore" else {}
    inline = tmp_path / "inline.yaml"
    inline.write_text(yaml.safe_dump(values))
    expected = _helm_template(helm_helper, repository, tmp_path, chart, "-f", str(inline))
    rendered = render_chart(
        repository, _helm(helm_helper, f"charts/{chart}", values=values), RenderLimits()
    )
    parsed = [d for d in yaml.safe_load_all(expected) if d]
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    assert sorted(rendered.objects, key=key) == sorted(parsed, key=key)
    assert rendered.objects


def test_fields_that_change_at_every_render_are_reported(
    helm_helper: Path, repository: Path
) -> None:
    chart = render_chart_full(repository, _helm(helm_helper, "charts/kvstore"), RenderLimits())
    assert [(str(u.object), u.pointer) for u in chart.unstable] == [
        ("Secret/shop-kvstore", "/data/password")
    ]
    assert "charts/kvstore/templates/secret.yaml" in str(chart.unstable[0])


def test_install_hooks_are_returned_with_the_render_and_test_hooks_are_dropped(
    helm_helper: Path, repository: Path
) -> None:
    helm = _helm(helm_helper, "charts/hooked")
    full = render_chart_full(repository, helm, RenderLimits())
    assert sorted(
        (h.obj["metadata"]["name"], h.events, h.weight, h.delete_policies) for h in full.hooks
    ) == [
        ("shop-migrate", ("pre-install", "pre-upgrade"), -5, ("hook-succeeded",)),
        ("shop-notify", ("post-install", "post-upgrade"), 0, ()),
        ("shop-schema", ("pre-install",), -10, ()),
    ]
    assert [o["kind"] for o in full.rendered.objects] == ["ConfigMap"]
    rendered = render_chart(repository, helm, RenderLimits())
    assert [o["metadata"]["name"] for o in rendered.objects] == ["shop-config"]
    assert {h.obj["metadata"]["name"] for h in rendered.hooks} == {
        "shop-migrate",
        "shop-notify",
        "shop-schema",
    }
    (migrate,) = (h for h in rendered.hooks if h.obj["kind"] == "Job")
    assert str(migrate.origin) == "charts/hooked/templates/migrate.yaml"


def test_a_pre_delete_hook_is_refused_naming_it(helm_helper: Path, repository: Path) -> None:
    helm = _helm(helm_helper, "charts/hooked", values={"preDelete": True})
    with pytest.raises(RenderError) as caught:
        render_chart(repository, helm, RenderLimits())
    message = str(caught.value)
    assert "is a Helm hook of type pre-delete: trueup runs only pre-install" in message
    assert "ConfigMap/shop-cleanup" in message
    assert "charts/hooked/templates/cleanup.yaml" in message


def test_an_unknown_delete_policy_is_refused_naming_it(helm_helper: Path, repository: Path) -> None:
    helm = _helm(helm_helper, "charts/hooked", values={"schemaDeletePolicy": "after-lunch"})
    with pytest.raises(RenderError) as caught:
        render_chart(repository, helm, RenderLimits())
    message = str(caught.value)
    assert "ConfigMap/shop-schema has helm.sh/hook-delete-policy after-lunch" in message
    assert "charts/hooked/templates/schema.yaml" in message
