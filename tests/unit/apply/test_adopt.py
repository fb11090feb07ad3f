"""Adoption moves kubectl's field ownership to trueup and drops kubectl's memory."""

from __future__ import annotations

from typing import Any

from trueup.apply import take_over_patch


def entry(manager: str, operation: str, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "manager": manager,
        "operation": operation,
        "apiVersion": "v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        **extra,
    }


def configmap(
    *entries: dict[str, Any], annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "settings", "managedFields": list(entries)}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}


KUBECTL_FIELDS = {
    "f:data": {".": {}, "f:a": {}, "f:b": {}},
    "f:metadata": {
        "f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}
    },
}
LAST_APPLIED = {"kubectl.kubernetes.io/last-applied-configuration": "{}"}


def test_client_side_apply_fields_move_to_a_new_trueup_apply_entry_and_the_annotation_goes() -> (
    None
):
    controller = entry("controller", "Update", {"f:data": {"f:c": {}}})
    live = configmap(
        entry("kubectl-client-side-apply", "Update", KUBECTL_FIELDS),
        controller,
        annotations=LAST_APPLIED,
    )

    patch = take_over_patch(live)

    assert patch == [
        {
            "op": "replace",
            "path": "/metadata/managedFields",
            "value": [
                controller,
                {
                    "manager": "trueup",
                    "operation": "Apply",
                    "apiVersion": "v1",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": KUBECTL_FIELDS,
                },
            ],
        },
        {
            "op": "remove",
            "path": "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
        },
    ]


def test_every_client_side_manager_is_merged_into_trueups_existing_entry() -> None:
    live = configmap(
        entry("trueup", "Apply", {"f:data": {"f:x": {}}}, time="t"),
        entry("kubectl-create", "Update", {"f:data": {"f:a": {}}}),
        entry("kubectl-edit", "Update", {"f:data": {"f:b": {}}}),
        entry("before-first-apply", "Update", {"f:metadata": {"f:labels": {"f:l": {}}}}),
        entry("kubectl", "Update", {"f:data": {"f:a": {}, "f:c": {}}}),
    )

    [replace] = take_over_patch(live)

    assert replace["value"] == [
        entry(
            "trueup",
            "Apply",
            {
                "f:data": {"f:x": {}, "f:a": {}, "f:b": {}, "f:c": {}},
                "f:metadata": {"f:labels": {"f:l": {}}},
            },
            time="t",
        )
    ]


def test_other_managers_server_side_apply_and_subresources_are_left_alone() -> None:
    live = configmap(
        entry("kubectl-client-side-apply", "Apply", {"f:data": {"f:a": {}}}),
        entry("kubectl-edit", "Update", {"f:status": {}}, subresource="status"),
        entry("helm", "Update", {"f:data": {"f:b": {}}}),
    )
    assert take_over_patch(live) == []
