"""Commands from the window to the worker, one frozen value each, sent through one signal.
Each takes effect at the worker's next step boundary, in the order sent."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ..run_settings import FrozenDict, RunSettings

__all__ = ["Configure", "Run", "Pause", "Toggle", "Step", "Reset", "SetSpeed", "SetHparams",
           "SetEnabled", "SetStart", "SetSlice", "Inspect", "ContinueFrom", "Fork",
           "SetBreakpoints", "CheckGradient", "Save", "Load", "Restore", "Autosave",
           "Shutdown", "SetColor"]


@dataclass(frozen=True)
class Configure:
    """A new session from these settings (a reset); refused if they do not validate."""
    settings: RunSettings


@dataclass(frozen=True)
class Run:
    pass


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Toggle:
    """Run if paused, pause if running."""


@dataclass(frozen=True)
class Step:
    """Pause, then exactly n steps of every running lane."""
    n: int = 1


@dataclass(frozen=True)
class Reset:
    """Every lane back to step 0."""


@dataclass(frozen=True)
class SetSpeed:
    """Steps per second; 0 (worker.MAX_SPEED): as fast as possible."""
    steps_per_second: float


@dataclass(frozen=True)
class SetHparams:
    """New hyperparameters for one lane from its next step on (no reset)."""
    lane: str
    changes: FrozenDict

    def __post_init__(self):  # values cross threads: nothing in them may change later
        object.__setattr__(self, "changes", FrozenDict(self.changes))


@dataclass(frozen=True)
class SetEnabled:
    lane: str
    enabled: bool


@dataclass(frozen=True)
class SetColor:
    """A lane's colour (#rrggbb; the palette's if it is not one); the run goes on."""
    lane: str
    color: str


@dataclass(frozen=True)
class SetStart:
    """Every lane back to step 0, from this point."""
    point: object


@dataclass(frozen=True)
class SetSlice:
    """A network's slice plane: {"kind": "random" | "axes" | "pca", ...}."""
    spec: FrozenDict

    def __post_init__(self):
        object.__setattr__(self, "spec", FrozenDict(self.spec))


@dataclass(frozen=True)
class Inspect:
    """What lane ``lane`` did at step k."""
    lane: str
    k: int


@dataclass(frozen=True)
class ContinueFrom:
    """Every lane back to its state after step k; the future is replaced."""
    k: int


@dataclass(frozen=True)
class Fork:
    """A new lane continuing lane ``lane`` from step k, with other hyperparameters."""
    lane: str
    k: int
    hparams: FrozenDict | None = None

    def __post_init__(self):
        if self.hparams is not None:
            object.__setattr__(self, "hparams", FrozenDict(self.hparams))


@dataclass(frozen=True)
class SetBreakpoints:
    """The breakpoints from now on (copies: the sender may change its own)."""
    breakpoints: tuple

    def __post_init__(self):
        object.__setattr__(self, "breakpoints", tuple(copy.copy(b) for b in self.breakpoints))


@dataclass(frozen=True)
class CheckGradient:
    lane: str


@dataclass(frozen=True)
class Save:
    path: str


@dataclass(frozen=True)
class Load:
    path: str


@dataclass(frozen=True)
class Restore:
    """Load the autosave: what it holds was never saved by the user."""
    path: str


@dataclass(frozen=True)
class Autosave:
    """Save to the autosave file if anything changed since the last autosave."""
    path: str


@dataclass(frozen=True)
class Shutdown:
    """Stop the run and its timers; sent before the worker's thread quits."""
