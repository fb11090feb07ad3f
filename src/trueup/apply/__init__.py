"""Apply: carry out a plan on a target and say, per object, what happened.

One module per verb, each returning an :class:`ApplyResult` (the change set so far, even
when something failed half-way):

- :func:`apply_stages` (``stages``): dry-run every object of a stage on the server, and
  only if all pass apply the changed ones; CRD stages are waited on until established;
  immutable-field changes are re-created when allowed (``recreate``).
- :func:`prune` (``prune``): delete what the prune plan decided, in its order.
- :func:`read_live` (``live``): the live state of many objects, one LIST per kind;
  :func:`read_live_cached` (``cached``) the same from a cache of trueup's own objects.
- :func:`wait_healthy` (``wait``): poll until the applied objects are healthy;
  :func:`wait_failure` says why a wait failed (timeout or Degraded).
- :func:`read_holdings` (``holdings``): what a Namespace or CRD about to be pruned holds.
- ``adopt``: an adopted object's fields are taken from kubectl's managers before apply.

Object-level failures are values in the result; only cancellation and
:class:`~trueup.errors.TargetUnavailableError` are raised.
"""

from __future__ import annotations

from trueup.apply.adopt import take_over_patch
from trueup.apply.cached import LiveCache, Presumed, read_live_cached
from trueup.apply.dry_run import IMMUTABLE_HINT
from trueup.apply.holdings import read_holdings
from trueup.apply.known import content_hash
from trueup.apply.live import Live, read_live
from trueup.apply.model import FORCE_ANNOTATION, ApplyOptions, ApplyResult, Known, Origins
from trueup.apply.prune import prune
from trueup.apply.stages import apply_stages
from trueup.apply.wait import finished, wait_failure, wait_healthy

__all__ = [
    "FORCE_ANNOTATION",
    "IMMUTABLE_HINT",
    "ApplyOptions",
    "ApplyResult",
    "Known",
    "Live",
    "LiveCache",
    "Origins",
    "Presumed",
    "apply_stages",
    "content_hash",
    "finished",
    "prune",
    "read_holdings",
    "read_live",
    "read_live_cached",
    "take_over_patch",
    "wait_failure",
    "wait_healthy",
]
