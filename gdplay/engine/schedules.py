"""Learning-rate schedules, with torch.optim.lr_scheduler's closed forms.

Step ``t`` is 1-based; ``k = t - 1`` is the number of scheduler steps before it, as when
``scheduler.step()`` follows every ``optimizer.step()`` in PyTorch::

    constant      lr
    step          lr * gamma ** (k // step_size)                      (StepLR)
    exponential   lr * gamma ** k                                      (ExponentialLR)
    cosine        eta_min + (lr - eta_min) (1 + cos(pi k / t_max)) / 2  (CosineAnnealingLR)
    warmup        lr * (start_factor + (1 - start_factor) min(k, warmup_steps) / warmup_steps)
                                                                       (LinearLR, end 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .params import Param, check_all

__all__ = ["Schedule", "make_schedule", "SCHEDULES"]

SCHEDULES: dict[str, tuple[Param, ...]] = {
    "constant": (),
    "step": (Param("step_size", "int", 100, "steps between decays", lo=1),
             Param("gamma", "float", 0.5, "factor at each decay", lo=0.0)),
    "exponential": (Param("gamma", "float", 0.99, "factor per step", lo=0.0),),
    "cosine": (Param("t_max", "int", 1000, "steps of one half cosine", lo=1),
               Param("eta_min", "float", 0.0, "smallest learning rate", lo=0.0)),
    "warmup": (Param("warmup_steps", "int", 100, "steps of the linear warm-up", lo=1),
               Param("start_factor", "float", 0.01, "fraction of lr at the first step",
                     lo=0.0, hi=1.0, lo_open=True)),
}


def _power(a: float, n: int) -> float:
    """a ** n, giving inf instead of raising OverflowError for a > 1 and huge n."""
    try:
        return a ** n
    except OverflowError:
        return math.inf


@dataclass(frozen=True)
class Schedule:
    """A schedule ``kind`` with its settings; ``lr(base, t)`` is the rate used at step t."""

    kind: str = "constant"
    settings: dict = field(default_factory=dict)

    def lr(self, base: float, t: int) -> float:
        k = t - 1
        s = self.settings
        if self.kind == "constant":
            return base
        if self.kind == "step":
            return base * _power(s["gamma"], k // s["step_size"])
        if self.kind == "exponential":
            return base * _power(s["gamma"], k)
        if self.kind == "cosine":
            return s["eta_min"] + (base - s["eta_min"]) * (1.0 + math.cos(math.pi * k / s["t_max"])) / 2.0
        # warmup
        n = s["warmup_steps"]
        f = s["start_factor"]
        return base * (f + (1.0 - f) * min(k, n) / n)

    def to_dict(self) -> dict:
        return {"kind": self.kind, **self.settings}


def make_schedule(spec: "Schedule | dict | str | None") -> Schedule:
    """A Schedule from None (constant), a kind name, a dict ``{"kind": ..., settings}``."""
    if spec is None:
        return Schedule()
    if isinstance(spec, Schedule):
        return spec
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, dict):
        raise ValueError(f"a schedule must be a name or a dict with 'kind'; got {spec!r}")
    spec = dict(spec)
    kind = spec.pop("kind", "constant")
    if kind not in SCHEDULES:
        raise ValueError(f"unknown schedule {kind!r}; choose one of {', '.join(SCHEDULES)}")
    return Schedule(kind, check_all(SCHEDULES[kind], spec, f"schedule {kind}"))
