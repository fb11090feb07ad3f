"""Reading ``--object`` names and finding them among an App's objects."""

from __future__ import annotations

import pytest

from trueup.errors import ConfigError
from trueup.objects import ObjectId
from trueup.plan.selection import ObjectName, parse_object_name, partial_summary, select

WEB = ObjectId("apps", "Deployment", "shop", "web")
SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
NAMESPACE = ObjectId("", "Namespace", "", "shop")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ConfigMap/shop/settings", ObjectName("ConfigMap", "shop", "settings")),
        ("Namespace/shop", ObjectName("Namespace", "", "shop")),
        ("Deployment.apps/shop/web", ObjectName("Deployment", "shop", "web", "apps")),
        (" ConfigMap/shop/settings\n", ObjectName("ConfigMap", "shop", "settings")),
    ],
)
def test_an_object_is_named_as_ids_print_with_an_optional_group(
    text: str, name: ObjectName
) -> None:
    assert parse_object_name(text) == name
    assert str(parse_object_name(str(name))) == str(name)


@pytest.mark.parametrize(
    "text", ["settings", "ConfigMap//settings", "a/b/c/d", "/shop/x", "ConfigMap./shop/x", ""]
)
def test_a_text_that_names_no_object_is_refused_saying_how_to_write_one(text: str) -> None:
    with pytest.raises(ConfigError, match="does not name an object") as raised:
        parse_object_name(text)
    assert repr(text) in str(raised.value)


def test_a_name_without_a_group_matches_any_group_and_one_with_a_group_only_that() -> None:
    assert ObjectName("Deployment", "shop", "web").matches(WEB)
    assert ObjectName("Deployment", "shop", "web", "apps").matches(WEB)
    assert not ObjectName("Deployment", "shop", "web", "extensions").matches(WEB)
    assert not ObjectName("Deployment", "other", "web").matches(WEB)


def test_select_finds_each_named_object() -> None:
    names = {parse_object_name("Deployment/shop/web"), parse_object_name("Namespace/shop")}
    assert select([WEB, SETTINGS, NAMESPACE], names, "App/web") == {WEB, NAMESPACE}


def test_select_refuses_what_the_app_does_not_render_and_lists_what_it_does() -> None:
    names = {parse_object_name("ConfigMap/other/settings")}
    with pytest.raises(ConfigError) as raised:
        select([WEB, SETTINGS], names, "App/web")
    assert str(raised.value) == (
        "App/web does not render ConfigMap/other/settings; it renders ConfigMap/shop/settings, "
        "Deployment/shop/web (name one as Kind/namespace/name, or Kind/name for a "
        "cluster-scoped object)"
    )


def test_select_refuses_a_name_that_matches_two_groups_and_shows_how_to_tell_them_apart() -> None:
    other = ObjectId("example.com", "Deployment", "shop", "web")
    with pytest.raises(ConfigError, match=r"names 2 objects .*Deployment\.apps/shop/web"):
        select([WEB, other], {parse_object_name("Deployment/shop/web")}, "App/web")
    chosen = select([WEB, other], {parse_object_name("Deployment.apps/shop/web")}, "App/web")
    assert chosen == {WEB}


def test_a_partial_summary_names_a_few_objects_and_counts_many() -> None:
    assert (
        partial_summary({SETTINGS}, "1 configured") == "only ConfigMap/shop/settings: 1 configured"
    )
    many = {ObjectId("", "ConfigMap", "shop", str(i)) for i in range(5)}
    assert partial_summary(many, "5 unchanged") == "only 5 named objects: 5 unchanged"
