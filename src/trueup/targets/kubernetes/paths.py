"""URL paths of Kubernetes collections and objects: core and grouped, namespaced or not.

Names and namespaces come from manifests anyone with push access wrote, so they are
checked before they become path segments: ``..`` or a ``/`` in a name would otherwise
point the request at a different resource.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from trueup.errors import ObjectInvalidError
from trueup.targets.base import ResourceInfo

_PLAIN = re.compile(r"[a-z0-9.-]*")
"""What names and namespaces are made of (DNS labels and subdomains): no quoting needed."""


def _segment(value: str, what: str, object_id: str) -> str:
    if value in ("", ".", "..") or "/" in value or "%" in value:
        raise ObjectInvalidError(
            f"{object_id}: {what} {value!r} cannot be used in a request; "
            "fix metadata in the manifest",
            reason="Invalid",
            object_id=object_id,
        )
    return value if _PLAIN.fullmatch(value) else quote(value, safe="")


def group_version_path(group: str, version: str) -> str:
    """``/api/v1`` for the core group, ``/apis/<group>/<version>`` for the others."""
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


def collection_path(resource: ResourceInfo, namespace: str | None, object_id: str = "") -> str:
    """The path listing ``resource`` in ``namespace`` (all namespaces when None or '').

    The namespace is ignored for cluster-scoped resources.
    """
    base = group_version_path(resource.group, resource.version)
    if resource.namespaced and namespace:
        return f"{base}/namespaces/{_segment(namespace, 'namespace', object_id)}/{resource.plural}"
    return f"{base}/{resource.plural}"


def object_path(resource: ResourceInfo, namespace: str | None, name: str, object_id: str) -> str:
    """The path of one object; ``namespace`` is required for namespaced resources."""
    if resource.namespaced and not namespace:
        raise ObjectInvalidError(
            f"{object_id}: a {resource.kind} needs a namespace; set metadata.namespace",
            reason="Invalid",
            object_id=object_id,
        )
    collection = collection_path(resource, namespace, object_id)
    return f"{collection}/{_segment(name, 'name', object_id)}"
