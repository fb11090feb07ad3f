"""``spec.helm.lookup``: off by default, only with a service account, and never cached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from trueup.config import App, load_config
from trueup.errors import ConfigError
from trueup.inputs.render_cache import render_key
from trueup.render import RenderOptions


def _app(helm: dict[str, Any], **spec: Any) -> App:
    body = {"source": "deploy", "namespace": "shop", "helm": helm, **spec}
    return App.model_validate({"metadata": {"name": "web"}, "spec": body})


def test_lookup_is_off_unless_the_app_allows_it() -> None:
    helm = _app({"chart": "charts/web"}).spec.helm
    assert helm is not None
    assert helm.lookup is False
    allowed = _app({"chart": "charts/web", "lookup": True}, serviceAccountName="deployer")
    assert allowed.spec.helm is not None
    assert allowed.spec.helm.lookup is True


def test_lookup_without_a_service_account_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"helm\.lookup .* needs serviceAccountName"):
        _app({"chart": "charts/web", "lookup": True})


def test_lookup_must_be_a_boolean() -> None:
    with pytest.raises(ValidationError, match="lookup"):
        _app({"chart": "charts/web", "lookup": "yes"}, serviceAccountName="deployer")


def test_the_loader_names_the_file_the_app_and_what_to_do(tmp_path: Path) -> None:
    documents = [
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "GitSource",
            "metadata": {"name": "deploy"},
            "spec": {"url": "https://git.example.com/deploy.git", "ref": {"branch": "main"}},
        },
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "App",
            "metadata": {"name": "web"},
            "spec": {
                "source": "deploy",
                "namespace": "shop",
                "helm": {"chart": "charts/web", "lookup": True},
            },
        },
    ]
    file = tmp_path / "trueup.yaml"
    file.write_text(yaml.safe_dump_all(documents))
    config = load_config(file)
    with pytest.raises(ConfigError) as raised:
        config.raise_if_invalid()
    message = str(raised.value)
    assert str(file) in message
    assert "App/web" in message
    assert "never runs with trueup's own rights" in message
    assert "add spec.serviceAccountName" in message
    assert config.apps == ()  # the App is not loaded


def test_a_chart_allowed_lookup_is_never_cached() -> None:
    plain = _app({"chart": "charts/web"}, serviceAccountName="deployer")
    looking = _app({"chart": "charts/web", "lookup": True}, serviceAccountName="deployer")
    assert render_key(plain, RenderOptions(), ()) is not None
    assert render_key(looking, RenderOptions(), ()) is None
