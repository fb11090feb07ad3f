"""The ConfigMaps and Secrets an App's render reads from its target, read as text.

``read_inputs`` fetches each referenced object once, through the App's own ``Target`` (so
with its impersonated service account), and returns its data as text: a Secret's values
are decoded from base64 and marked secret, so that the engine masks them wherever they
land, and each input carries a digest of its content.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from trueup.config.value_refs import ObjectRef
from trueup.errors import ObjectInvalidError, ObjectNotFoundError
from trueup.objects import ObjectId
from trueup.targets import Target


@dataclass(frozen=True, slots=True)
class InputData:
    """The data of one referenced object: ``{}`` for a missing optional one."""

    ref: ObjectRef
    namespace: str
    data: Mapping[str, str]
    secret: bool
    found: bool

    @property
    def shown(self) -> str:
        """``Secret/namespace/name``, as messages name the object."""
        return f"{self.ref.kind}/{self.namespace}/{self.ref.name}"

    @property
    def digest(self) -> str:
        """A hash of the kind, name and content: equal digests mean equal inputs."""
        canonical = json.dumps([self.shown, self.found, sorted(self.data.items())])
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def secret_values(self) -> tuple[str, ...]:
        """The values to mask: every value of a Secret, nothing of a ConfigMap."""
        return tuple(v for v in self.data.values() if v) if self.secret else ()


async def read_inputs(
    target: Target, refs: Sequence[ObjectRef], default_namespace: str | None, field: str
) -> tuple[InputData, ...]:
    """The data of each of ``refs``, in order; ``field`` names them in errors.

    Raises ``ObjectNotFoundError`` for a missing object that is not ``optional`` and
    ``ObjectInvalidError`` for a Secret whose data is not base64 of UTF-8 text; the
    target's own errors (forbidden, unreachable) pass through.
    """
    read: list[InputData] = []
    for index, ref in enumerate(refs):
        namespace = ref.namespace or default_namespace
        where = f"{field}[{index}]"
        if namespace is None:
            raise ObjectNotFoundError(
                f"{where}: {ref.kind} {ref.name} has no namespace; set its namespace or the "
                "App's spec.namespace"
            )
        live = await target.get(ObjectId("", ref.kind, namespace, ref.name))
        if live is None:
            if not ref.optional:
                raise ObjectNotFoundError(
                    f"{where}: {ref.kind}/{namespace}/{ref.name} does not exist in the target "
                    "cluster; create it, or mark the reference optional: true",
                    reason="NotFound",
                    object_id=f"{ref.kind}/{namespace}/{ref.name}",
                )
            read.append(
                InputData(ref, namespace, MappingProxyType({}), ref.kind == "Secret", False)
            )
            continue
        where = f"{where} ({ref.kind}/{namespace}/{ref.name})"
        data = _secret_data(live, where) if ref.kind == "Secret" else _config_data(live)
        read.append(InputData(ref, namespace, MappingProxyType(data), ref.kind == "Secret", True))
    return tuple(read)


def _config_data(live: Mapping[str, object]) -> dict[str, str]:
    data = live.get("data")
    if not isinstance(data, Mapping):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def _secret_data(live: Mapping[str, object], where: str) -> dict[str, str]:
    data = live.get("data")
    if not isinstance(data, Mapping):
        return {}
    decoded: dict[str, str] = {}
    for key, value in data.items():
        try:
            decoded[str(key)] = base64.b64decode(str(value), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ObjectInvalidError(
                f"{where}: key {key!r} of the Secret is not text (base64 of UTF-8); "
                "only text values can be used as values or variables"
            ) from None
    return decoded
