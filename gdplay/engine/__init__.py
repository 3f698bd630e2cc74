"""gdplay's engine: problems, optimizers and sessions in pure NumPy (float64, seeded).

Never imports Qt; ``tests/test_engine_isolation.py`` holds it to that. From a notebook::

    from gdplay.engine import LaneConfig, Session, explain_step, make_optimizer, make_problem

    p = make_problem("rosenbrock")
    opt = make_optimizer("adam", lr=1e-2)
    w = p.x0.copy()
    trace = opt.step(w, p.grad(w))      # w updated in place; trace.values: g, m, v, ..., delta
    s = Session(p, [LaneConfig("adam", dict(lr=1e-2)), LaneConfig("sgd", dict(lr=1e-3))])
    s.step(100)                          # both lanes, in lockstep, on the same gradients
    print("\n".join(explain_step(s.lanes[0].trace_at(100))))   # step 100 written out
"""

from . import landscape
from .checks import gradient_check
from .explain import explain_step
from .network import MLPProblem
from .optimizers import Optimizer, StepTrace, make_optimizer, optimizer_names, optimizer_spec
from .problems import Minimum, Problem, make_problem, problem_names, problem_spec
from .schedules import Schedule, make_schedule
from .session import Breakpoint, BreakpointHit, Lane, LaneConfig, Session

__all__ = [
    # problems
    "make_problem",
    "problem_names",
    "problem_spec",
    "Problem",
    "Minimum",
    "MLPProblem",
    # optimizers
    "make_optimizer",
    "optimizer_names",
    "optimizer_spec",
    "Optimizer",
    "StepTrace",
    "make_schedule",
    "Schedule",
    # runs
    "Session",
    "LaneConfig",
    "Lane",
    "Breakpoint",
    "BreakpointHit",
    # looking inside
    "explain_step",
    "gradient_check",
    "landscape",
]
