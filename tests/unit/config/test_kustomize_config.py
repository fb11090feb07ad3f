"""``spec.kustomize``: what an App's kustomizations may do, off unless switched on."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from trueup.config import App
from trueup.config.kustomize import KustomizeSpec


def _app(**spec: Any) -> App:
    return App.model_validate({"metadata": {"name": "web"}, "spec": {"source": "deploy", **spec}})


def test_remote_bases_are_off_by_default() -> None:
    assert _app().spec.kustomize == KustomizeSpec()
    assert _app().spec.kustomize.allow_remote_bases is False
    assert _app(kustomize={}).spec.kustomize.allow_remote_bases is False


def test_helm_is_off_by_default_and_enabled_in_camel_case() -> None:
    assert _app().spec.kustomize.enable_helm is False
    assert _app(kustomize={"enableHelm": True}).spec.kustomize.enable_helm is True
    with pytest.raises(ValidationError, match="enableHelm"):
        _app(kustomize={"enableHelm": "yes"})


def test_an_app_allows_remote_bases_in_camel_case() -> None:
    app = _app(kustomize={"allowRemoteBases": True})
    assert app.spec.kustomize.allow_remote_bases is True


@pytest.mark.parametrize("value", ["yes", "true", 1, None])
def test_the_switch_is_a_real_boolean(value: Any) -> None:
    with pytest.raises(ValidationError, match="allowRemoteBases"):
        _app(kustomize={"allowRemoteBases": value})


def test_an_unknown_kustomize_field_is_refused() -> None:
    # A typo must not silently leave remote bases refused (or Helm off) without a word.
    with pytest.raises(ValidationError, match="enableHelmCharts"):
        _app(kustomize={"enableHelmCharts": True})
