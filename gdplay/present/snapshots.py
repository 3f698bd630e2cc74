"""The frozen values that go from the presenter to the views: what a run looks like now
(Snapshot, one LaneSnapshot a lane), what the map shows (LandscapeData), what one step did
(Inspection). What defines a run is a RunSettings (gdplay/run_settings.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.optimizers import StepTrace  # an inspection holds one

__all__ = ["LaneSnapshot", "Snapshot", "LandscapeData", "Inspection"]


@dataclass(frozen=True)
class LaneSnapshot:
    name: str
    optimizer: str
    color: str | None
    enabled: bool
    status: str
    status_text: str
    t: int
    loss: float
    grad_norm: float
    w: np.ndarray
    grad: np.ndarray
    loss_steps: np.ndarray
    loss_values: np.ndarray
    trajectory: np.ndarray       # (k, 2) in landscape coordinates, (k, 1) for 1D
    point: np.ndarray            # the current point in landscape coordinates
    diverged_at: int | None
    prediction: np.ndarray | None
    last_lr: float | None        # the learning rate of the newest step (None at step 0)
    # what the optimizer draws (Optimizer.drawing(), its "points" in map coordinates; e.g.
    # ADMM's z and z + u, u, rho, its constraint set) and the rows its lane recorded
    # ("records": Optimizer.record_row); None for most optimizers
    drawing: dict | None = None
    # how many leading loss points later snapshots repeat unchanged while the history only
    # grows and its bucket size stays (see curves.decimate_curve): the loss view caches them
    loss_final: int = 0


@dataclass(frozen=True)
class Snapshot:
    serial: int
    step: int
    running: bool
    steps_per_second: float
    problem: str
    kind: str
    lanes: tuple[LaneSnapshot, ...]
    data_x: np.ndarray | None = None   # for the fit view (networks)
    data_y: np.ndarray | None = None
    run: int = 0  # which run: a new one at every new session, reset or new start


@dataclass(frozen=True)
class Inspection:
    """One lane at one step k, for the inspector: the step's trace (None at k = 0), the
    point and loss after it, and the chain-rule terms where the problem has them."""

    lane: str
    step: int
    trace: StepTrace | None
    point: np.ndarray
    loss: float
    parameter_names: tuple[str, ...]
    groups: dict
    chain: tuple[str, ...] = ()
    run: int = 0          # the Snapshot.run it belongs to
    params: np.ndarray | None = None  # the parameters at the step (listed at step 0)


@dataclass(frozen=True)
class LandscapeData:
    """What the landscape view draws; computed by the engine in the worker thread."""

    kind: str                 # "1d", "2d" or "slice"
    x: np.ndarray
    y: np.ndarray             # 1D: f(x); 2D: the grid's y axis
    z: np.ndarray | None      # 2D: z[i, j] = f(x[j], y[i]) (maybe log-scaled), else None
    log_scale: bool
    zmin: float
    segments: np.ndarray      # contour lines as point pairs
    minima: np.ndarray        # (m, 2) or (m, 1)
    start: np.ndarray
    labels: tuple[str, str]
    title: str
    explained: tuple[float, float] | None = None
