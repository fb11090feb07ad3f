"""``spec.helm``: which chart an App renders, with which values, as which release."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from trueup.config import App, load_config
from trueup.config.helm import HelmSpec, ValuesRef


def _app(**helm: Any) -> App:
    spec = {"source": "deploy", "namespace": "shop", "helm": helm}
    return App.model_validate({"metadata": {"name": "web"}, "spec": spec})


def test_an_app_without_helm_renders_its_path() -> None:
    app = App.model_validate({"metadata": {"name": "web"}, "spec": {"source": "deploy"}})
    assert app.spec.helm is None


def test_every_field_is_read_in_camel_case() -> None:
    app = _app(
        chart="webapp",
        version="~1.2.0",
        repository="https://charts.example.com/stable",
        values={"replicaCount": 2, "image": {"tag": "1.0"}},
        valuesFiles=["envs/prod.yaml"],
        valuesFrom=[{"kind": "Secret", "name": "web-values", "key": "prod.yaml"}],
        releaseName="shop-web",
        includeCRDs=False,
    )
    helm = app.spec.helm
    assert helm is not None
    assert helm.chart == "webapp"
    assert helm.version == "~1.2.0"
    assert helm.repository == "https://charts.example.com/stable"
    assert helm.values == {"replicaCount": 2, "image": {"tag": "1.0"}}
    assert helm.values_files == ("envs/prod.yaml",)
    assert helm.values_from == (ValuesRef(kind="Secret", name="web-values", key="prod.yaml"),)
    assert helm.release_name == "shop-web"
    assert helm.include_crds is False


def test_defaults() -> None:
    helm = HelmSpec(chart="charts/web")
    assert helm.release_name is None  # the App's name
    assert helm.include_crds is True
    assert helm.plain_http is False
    assert _app(chart="c", valuesFrom=[{"kind": "ConfigMap", "name": "v"}]).spec.helm is not None
    ref = ValuesRef(kind="ConfigMap", name="v")
    assert ref.key == "values.yaml"
    assert ref.optional is False


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "a/../../b", ""])
def test_a_values_file_outside_the_repository_is_refused(path: str) -> None:
    with pytest.raises(ValidationError, match="relative path inside the repository"):
        _app(chart="charts/web", valuesFiles=[path])


@pytest.mark.parametrize("chart", ["../charts/web", "/srv/charts/web"])
def test_a_chart_path_outside_the_repository_is_refused(chart: str) -> None:
    with pytest.raises(ValidationError, match="relative path inside the repository"):
        _app(chart=chart)


@pytest.mark.parametrize(
    "repository",
    [
        "https://charts.example.com",
        "oci://registry.example.com/charts",
        "http://127.0.0.1:8080/charts",
    ],
)
def test_chart_repositories(repository: str) -> None:
    assert _app(chart="web", repository=repository).spec.helm is not None


@pytest.mark.parametrize(
    "repository", ["http://charts.example.com", "ftp://x", "file:///srv/charts", "charts"]
)
def test_plain_http_off_loopback_and_other_schemes_are_refused(repository: str) -> None:
    with pytest.raises(ValidationError, match="not a chart repository URL"):
        _app(chart="web", repository=repository)


def test_a_repository_chart_is_named_not_a_path() -> None:
    with pytest.raises(ValidationError, match="not a chart name"):
        _app(chart="../web", repository="https://charts.example.com")


def test_a_version_is_only_for_a_repository_chart() -> None:
    with pytest.raises(ValidationError, match="version applies only to a chart from a repository"):
        _app(chart="charts/web", version="1.2.0")


def test_plain_http_is_only_for_oci() -> None:
    assert _app(chart="web", repository="oci://127.0.0.1:5000/c", plainHTTP=True).spec.helm
    with pytest.raises(ValidationError, match="plainHTTP applies only"):
        _app(chart="web", repository="https://charts.example.com", plainHTTP=True)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="postRenderer"):
        _app(chart="web", postRenderer="/bin/sh")
    with pytest.raises(ValidationError, match="valuesFrom"):
        _app(chart="web", valuesFrom=[{"kind": "Pod", "name": "x"}])


def test_the_helm_example_loads() -> None:
    example = Path(__file__).parents[3] / "examples" / "helm" / "trueup.yaml"
    config = load_config(example)
    config.raise_if_invalid()
    (app,) = config.apps
    assert app.spec.helm is not None
    assert app.spec.helm.values_files == ("examples/helm/envs/prod.yaml",)
