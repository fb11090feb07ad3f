"""``spec.serviceAccountName``: the user an App's requests impersonate."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from trueup.config import App


def _app(**spec: str) -> App:
    return App.model_validate(
        {"metadata": {"name": "web"}, "spec": {"source": "deploy", **spec}}, strict=False
    )


def test_an_app_impersonates_its_service_account_in_its_namespace() -> None:
    app = _app(namespace="tenant-a", serviceAccountName="deployer")
    assert app.spec.impersonated_user == "system:serviceaccount:tenant-a:deployer"


def test_an_app_without_a_service_account_impersonates_nobody() -> None:
    assert _app(namespace="tenant-a").spec.impersonated_user is None


def test_a_service_account_without_a_namespace_is_refused_with_a_hint() -> None:
    with pytest.raises(ValidationError, match=r"serviceAccountName needs spec\.namespace"):
        _app(serviceAccountName="deployer")
