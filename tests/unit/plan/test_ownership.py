"""Who owns a live object, what an App may adopt, and which objects apply leaves alone."""

from __future__ import annotations

from typing import Any

import pytest

from trueup.errors import ConfigError
from trueup.objects import ObjectId
from trueup.plan import (
    AppRef,
    Claim,
    check_installation_id,
    claim_of,
    keep_when_dropped,
    leave_alone,
    plan_adoption,
)

WEB = AppRef("web", installation="i1")
BILLING = AppRef("billing", "team", installation="i1")
SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")


def configmap(
    name: str = "settings",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "shop"}
    if labels is not None:
        metadata["labels"] = labels
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}


def tracked(app: AppRef, name: str = "settings", on: str = "settings") -> dict[str, Any]:
    """A ConfigMap ``on`` carrying ``app``'s labels and the tracking id of ConfigMap ``name``."""
    oid = ObjectId("", "ConfigMap", "shop", name)
    annotations = {"trueup.dev/tracking-id": app.tracking_id(oid)}
    return configmap(on, labels=app.labels, annotations=annotations)


@pytest.mark.parametrize(
    ("live", "claim", "owner"),
    [
        pytest.param(tracked(WEB), Claim.OURS, "", id="tracked by this app is ours"),
        pytest.param(
            configmap(labels={"trueup.dev/app": "web"}), Claim.LEGACY, "", id="labels only: legacy"
        ),
        pytest.param(
            configmap(labels={"trueup.dev/app": "web", "trueup.dev/app-namespace": "default"}),
            Claim.LEGACY,
            "",
            id="the old default namespace label still names an app without namespace",
        ),
        pytest.param(configmap(labels={"tier": "web"}), Claim.UNOWNED, "", id="no identity"),
        pytest.param(
            tracked(WEB, name="original", on="settings"),
            Claim.COPY,
            "/ConfigMap:shop/original",
            id="an annotation naming another object is a copy",
        ),
        pytest.param(tracked(BILLING), Claim.FOREIGN, "App/team/billing", id="another app"),
        pytest.param(
            tracked(AppRef("web", installation="i2")),
            Claim.FOREIGN,
            "App/web of trueup installation 'i2'",
            id="the same app name of another installation",
        ),
        pytest.param(
            configmap(labels={"trueup.dev/app": "billing", "trueup.dev/app-namespace": "team"}),
            Claim.FOREIGN,
            "App/team/billing",
            id="another app's labels from an earlier version",
        ),
    ],
)
def test_the_tracking_annotation_decides_ownership_and_labels_only_without_it(
    live: dict[str, Any], claim: Claim, owner: str
) -> None:
    ownership = claim_of(live, WEB)
    assert (ownership.claim, ownership.owner) == (claim, owner)


def test_an_app_may_apply_its_own_and_absent_objects_without_adopting_anything() -> None:
    desired = [configmap(), configmap("new")]
    plan = plan_adoption(desired, {SETTINGS: tracked(WEB)}, WEB, adopt=False)
    assert (dict(plan.adopted), plan.conflicts, plan.error()) == ({}, (), "")


def test_an_object_without_identity_is_adopted_and_says_so() -> None:
    plan = plan_adoption([configmap()], {SETTINGS: configmap()}, WEB, adopt=True)
    assert plan.adopted == {SETTINGS: "adopted: it existed without trueup's identity"}
    assert plan.conflicts == ()


def test_an_app_that_refuses_adoption_fails_naming_the_object() -> None:
    plan = plan_adoption([configmap()], {SETTINGS: configmap()}, WEB, adopt=False)
    assert plan.adopted == {}
    assert "ConfigMap/shop/settings exists without trueup's identity" in plan.error()
    assert "spec.adopt: false" in plan.error()
    assert plan.error().endswith("nothing was applied")


def test_the_takeover_annotation_adopts_one_object_in_an_app_that_refuses_adoption() -> None:
    desired = configmap(annotations={"trueup.dev/takeover": "true"})
    plan = plan_adoption([desired], {SETTINGS: configmap()}, WEB, adopt=False)
    assert plan.adopted == {SETTINGS: "adopted: it existed without trueup's identity"}
    assert plan.conflicts == ()


def test_a_copied_annotation_makes_an_object_adoptable_not_owned() -> None:
    live = tracked(WEB, name="original", on="settings")
    plan = plan_adoption([configmap()], {SETTINGS: live}, WEB, adopt=True)
    assert (
        "tracking annotation of another object (/ConfigMap:shop/original)" in plan.adopted[SETTINGS]
    )


def test_another_apps_object_is_a_conflict_naming_the_owner_and_the_opt_in() -> None:
    plan = plan_adoption([configmap()], {SETTINGS: tracked(BILLING)}, WEB, adopt=True)
    assert plan.adopted == {}
    assert plan.conflicts == (
        "ConfigMap/shop/settings belongs to App/team/billing; remove it from one of the two "
        'apps, or annotate it trueup.dev/takeover: "true" in Git to take it over',
    )


def test_the_takeover_annotation_in_git_takes_another_apps_object_over() -> None:
    desired = configmap(annotations={"trueup.dev/takeover": "true"})
    plan = plan_adoption([desired], {SETTINGS: tracked(BILLING)}, WEB, adopt=False)
    assert plan.adopted == {SETTINGS: "taken over from App/team/billing"}
    assert plan.conflicts == ()


def test_objects_left_alone_by_an_opt_out_are_neither_adopted_nor_in_conflict() -> None:
    ignored = configmap(annotations={"trueup.dev/ssa": "Ignore"})
    plan = plan_adoption([ignored], {SETTINGS: tracked(BILLING)}, WEB, adopt=False)
    assert (dict(plan.adopted), plan.conflicts) == ({}, ())


def test_many_conflicts_are_named_up_to_five_and_counted() -> None:
    names = [f"c{i}" for i in range(7)]
    live = {ObjectId("", "ConfigMap", "shop", n): configmap(n) for n in names}
    plan = plan_adoption([configmap(n) for n in names], live, WEB, adopt=False)
    assert "ConfigMap/shop/c4" in plan.error()
    assert "ConfigMap/shop/c5" not in plan.error()
    assert "(and 2 more)" in plan.error()


@pytest.mark.parametrize(
    ("desired", "live", "reason"),
    [
        pytest.param({}, None, "", id="no annotation: applied"),
        pytest.param({"trueup.dev/ssa": "IfNotPresent"}, None, "", id="IfNotPresent creates"),
        pytest.param(
            {"trueup.dev/ssa": "IfNotPresent"}, {}, "IfNotPresent and it exists", id="never updates"
        ),
        pytest.param(
            {"trueup.dev/ssa": "Ignore"}, None, "Ignore; left alone", id="Ignore creates not"
        ),
        pytest.param(
            {}, {"trueup.dev/ssa": "Ignore"}, "Ignore", id="a live object annotated by hand"
        ),
    ],
)
def test_ssa_annotations_keep_apply_away_from_an_object(
    desired: dict[str, str], live: dict[str, str] | None, reason: str
) -> None:
    found = leave_alone(
        configmap(annotations=desired), None if live is None else configmap(annotations=live)
    )
    assert (reason in found) if reason else found == ""
    assert bool(found) == bool(reason)


@pytest.mark.parametrize(
    ("annotations", "reason"),
    [
        ({"trueup.dev/prune": "disabled"}, "annotated trueup.dev/prune: disabled"),
        ({"helm.sh/resource-policy": "keep"}, "annotated helm.sh/resource-policy: keep"),
        ({"trueup.dev/ssa": "Ignore"}, "annotated trueup.dev/ssa: Ignore"),
        ({"trueup.dev/ssa": "IfNotPresent"}, ""),
        ({}, ""),
    ],
)
def test_opt_out_annotations_keep_an_object_git_dropped(
    annotations: dict[str, str], reason: str
) -> None:
    assert keep_when_dropped(configmap(annotations=annotations)) == reason


@pytest.mark.parametrize("value", ["ci", "prod-1.eu_west", "a" * 63])
def test_an_installation_id_of_letters_digits_and_dots_is_accepted(value: str) -> None:
    assert check_installation_id(value, "$TRUEUP_INSTALLATION_ID") == value


@pytest.mark.parametrize("value", ["", "a:b", "a/b", "-ci", "a" * 64, "ci id"])
def test_an_installation_id_that_would_break_the_annotation_is_refused_naming_the_setting(
    value: str,
) -> None:
    with pytest.raises(ConfigError, match=r"\$TRUEUP_INSTALLATION_ID: .* is not a valid"):
        check_installation_id(value, "$TRUEUP_INSTALLATION_ID")
