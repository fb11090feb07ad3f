"""The variables of an App's substitution: ``spec.substitute`` over ``spec.substituteFrom``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from trueup.config.app import AppSpec
from trueup.config.substitute import VARIABLE_NAME
from trueup.errors import ObjectInvalidError
from trueup.inputs.objects import InputData, read_inputs
from trueup.targets import Target


@dataclass(frozen=True, slots=True)
class Variables:
    """The variables of an App's substitution and what must be masked among them."""

    values: Mapping[str, str]
    """Each name's value: ``spec.substituteFrom`` in order (a later object wins), then
    ``spec.substitute`` over all of them."""
    masked: frozenset[str]
    """Every value read from a Secret (used or not)."""
    digests: tuple[str, ...]
    """The digest of each ``spec.substituteFrom`` object, in order."""


async def read_variables(target: Target, spec: AppSpec) -> Variables:
    """The variables of an App with ``spec``, reading ``spec.substituteFrom`` from ``target``.

    Raises as ``read_inputs`` does, and ``ObjectInvalidError`` for a key of a
    ``substituteFrom`` object that cannot be a variable name, naming the object and the key.
    """
    inputs = await read_inputs(target, spec.substitute_from, spec.namespace, "spec.substituteFrom")
    return merged_variables(inputs, spec.substitute)


def merged_variables(inputs: Sequence[InputData], substitute: Mapping[str, str]) -> Variables:
    """``inputs`` merged in order, then ``substitute`` over them (see ``Variables.values``)."""
    values: dict[str, str] = {}
    for index, found in enumerate(inputs):
        for key in found.data:
            if not VARIABLE_NAME.fullmatch(key):
                raise ObjectInvalidError(
                    f"spec.substituteFrom[{index}] ({found.shown}): key {key!r} is not a "
                    "variable name (letters, digits and '_', not starting with a digit); "
                    "rename the key, or keep it in another object",
                    object_id=found.shown,
                )
        values.update(found.data)
    values.update(substitute)
    return Variables(
        MappingProxyType(values),
        frozenset(value for found in inputs for value in found.secret_values),
        tuple(found.digest for found in inputs),
    )
