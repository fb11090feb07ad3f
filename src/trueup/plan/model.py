"""The plan as a value: what will be applied in which stage, and what will be pruned.

A Plan is built before the server dry-run; it can be printed for people and turned into
plain JSON-able data for the store and the API. The serialised form carries ids only,
never object content, so a stored or served plan can never hold a Secret value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trueup.plan.ownership import AppRef
from trueup.plan.prune import PrunePlan
from trueup.plan.stage import Stage
from trueup.words import counted


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """Counts for one line of output: objects to apply, stages, prune decisions."""

    objects: int
    stages: int
    to_prune: int
    prune_skipped: int
    gone: int

    def __str__(self) -> str:
        parts = [
            f"{counted(self.objects, 'object')} in {counted(self.stages, 'stage')}",
            f"{self.to_prune} to prune",
        ]
        if self.prune_skipped:
            parts.append(f"{self.prune_skipped} prune skipped")
        if self.gone:
            parts.append(f"{self.gone} already gone")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything trueup intends to do for one app at one revision."""

    app: AppRef
    stages: tuple[Stage, ...]
    prune: PrunePlan

    def summary(self) -> PlanSummary:
        """How many objects, stages and prune decisions the plan holds."""
        return PlanSummary(
            objects=sum(len(stage.objects) for stage in self.stages),
            stages=len(self.stages),
            to_prune=len(self.prune.to_delete),
            prune_skipped=len(self.prune.skipped),
            gone=len(self.prune.gone),
        )

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-able data: ids and decisions only, no object content."""
        summary = self.summary()
        return {
            "app": {"name": self.app.name, "namespace": self.app.namespace},
            "stages": [
                {
                    "name": stage.name,
                    "wave": stage.wave,
                    "waitEstablished": stage.wait_established,
                    "objects": [str(oid) for oid in stage.ids],
                }
                for stage in self.stages
            ],
            "prune": [
                {"object": str(d.id), "action": d.action.value, "reason": d.reason}
                for d in self.prune.decisions
            ],
            "summary": {
                "objects": summary.objects,
                "stages": summary.stages,
                "toPrune": summary.to_prune,
                "pruneSkipped": summary.prune_skipped,
                "gone": summary.gone,
            },
        }

    def __str__(self) -> str:
        lines = [f"plan for {self.app}: {self.summary()}"]
        for stage in self.stages:
            lines.append(str(stage))
            lines.extend(f"  {oid}" for oid in stage.ids)
        if self.prune.decisions:
            lines.append("prune")
            lines.extend(f"  {decision}" for decision in self.prune.decisions)
        return "\n".join(lines)
