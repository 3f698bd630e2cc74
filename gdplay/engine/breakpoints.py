"""Breakpoints: conditions on a lane, checked after each step, that pause a run."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .lane import Lane

__all__ = ["BREAKPOINT_KINDS", "Breakpoint", "BreakpointHit"]

BREAKPOINT_KINDS = {
    "loss_up": "the loss went up",
    "grad_norm_above": "the gradient norm rose above {value:g}",
    "non_finite": "a value became non-finite or left the bound",
    "loss_below": "the loss fell below {value:g}",
    "step": "step {value:g} was reached",
    "admm_converged": "the ADMM residuals are within tolerance",
}


@dataclass
class Breakpoint:
    """Pause when ``kind`` happens on lane ``lane`` (None: any lane)."""

    kind: str
    value: float | None = None
    lane: str | None = None
    enabled: bool = True

    def __post_init__(self):
        if self.kind not in BREAKPOINT_KINDS:
            raise ValueError(f"unknown breakpoint {self.kind!r}; choose one of "
                             f"{', '.join(BREAKPOINT_KINDS)}")
        if self.kind in ("grad_norm_above", "loss_below", "step"):
            if self.value is None or not math.isfinite(float(self.value)):
                raise ValueError(f"breakpoint {self.kind} needs a finite value")
            self.value = float(self.value)

    def describe(self) -> str:
        return BREAKPOINT_KINDS[self.kind].format(value=self.value or 0.0)

    def check(self, lane: "Lane", previous_loss: float) -> "BreakpointHit | None":
        if not self.enabled or (self.lane is not None and self.lane != lane.name):
            return None
        k = self.kind
        fired = False
        if k == "loss_up":
            fired = math.isfinite(lane.loss) and lane.loss > previous_loss
        elif k == "grad_norm_above":
            fired = lane.grad_norm > self.value
        elif k == "non_finite":
            fired = lane.status == "diverged" and lane.diverged_at == lane.t
        elif k == "loss_below":
            fired = lane.loss < self.value
        elif k == "step":
            fired = lane.t == int(self.value)
        elif k == "admm_converged":
            fired = lane.optimizer.converged()
        if not fired:
            return None
        return BreakpointHit(self, lane.name, lane.t,
                             f"{lane.name}, step {lane.t}: {self.describe()}")


@dataclass
class BreakpointHit:
    breakpoint: Breakpoint
    lane: str
    step: int
    message: str
