"""What one lane did at one step, assembled for the inspector."""

from __future__ import annotations

import numpy as np

from .snapshots import Inspection

__all__ = ["inspect_step"]


def inspect_step(session, lane, k: int, to_view, run: int) -> Inspection:
    """Lane ``lane`` at step k (clamped to 0..t; replayed if not in memory): its trace, the
    point and loss after it, in view coordinates by ``to_view`` (rows to rows)."""
    problem = session.problem
    k = max(0, min(int(k), lane.t))
    with np.errstate(all="ignore"):
        trace = lane.trace_at(k) if k > 0 else None
        w = lane.params_at(k) if trace is None else np.array(
            trace.values.get("p_projected", trace.values["p_after"]))
        loss = float(problem.loss(w))
        point = to_view(w[None, :])[0]
        before = trace.values["p_before"] if trace is not None else w
        chain = problem.chain_lines(before, k)
    names = tuple(problem.parameter_names())
    groups = problem.groups()
    return Inspection(lane.name, k, trace, point, loss, names, groups, tuple(chain), run,
                      np.array(w, copy=True))
