"""gdplay's engine: problems, optimizers and sessions in pure NumPy (float64, seeded).

Never imports Qt; ``tests/test_engine_isolation.py`` holds it to that.
"""

from .problems import Minimum, Problem, make_problem, problem_names, problem_spec
from .network import MLPProblem
from . import landscape

__all__ = [
    "Minimum",
    "Problem",
    "MLPProblem",
    "make_problem",
    "problem_names",
    "problem_spec",
    "landscape",
]
