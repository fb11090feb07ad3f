"""References from an App to ConfigMaps and Secrets in its target cluster.

Helm's ``valuesFrom`` and substitution's ``substituteFrom`` read values from objects that
live in the cluster, next to what the App deploys (as Flux reads them next to the
Kustomization). They are read with the App's own rights (its ``serviceAccountName``), so a
repository can only name what the App may read anyway.
"""

from __future__ import annotations

from typing import Literal

from pydantic import StrictBool

from trueup.config.meta import ConfigModel, Name, Namespace


class ObjectRef(ConfigModel):
    """A ConfigMap or Secret in the App's target cluster.

    ``namespace`` defaults to the App's ``spec.namespace``; a missing object fails the
    reconcile, naming it, unless ``optional`` is true.
    """

    kind: Literal["ConfigMap", "Secret"]
    name: Name
    namespace: Namespace | None = None
    optional: StrictBool = False
