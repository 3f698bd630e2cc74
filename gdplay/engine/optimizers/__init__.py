"""The optimizers of shared/MATH.md, one unit (a module, a class) each, and their registry.

SGD, Adam, AdamW, AMSGrad, RMSprop and Adagrad follow torch.optim's single-tensor code
path operation for operation (including the order of floating-point operations, e.g.
``addcdiv`` computes ``p + (value * t1) / t2`` and ``lerp`` with weight < 0.5 computes
``a + w (b - a)``), so they agree with PyTorch to rounding. AMSGrad also comes in Reddi et
al.'s original form, and ADMM-Adam is ADMM with Adam as the inner solver (Zhang et al.,
ECCV 2018).

Every optimizer is built by name through :func:`make_optimizer`; ``step(w, g)`` updates
the float64 array ``w`` in place and returns a :class:`StepTrace` holding the values the
step actually used. A unit (see :class:`Optimizer`) also holds its hyperparameters, its
title and reference, the names of its trace values, its written-out formula, what it
draws on the map and its checked ``state_dict``.

Adding an optimizer: a module here with its class, one line in ``_UNITS`` below, its
cross-check in tests/test_torch_crosscheck.py (or by hand against the paper) and the
translations of its title and settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..params import Param
from ..schedules import Schedule
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .admm_adam import REGULARIZERS, ADMMAdam, prox
from .amsgrad import AMSGrad
from .base import Optimizer
from .formula import Formula, fmt
from .rmsprop import RMSprop
from .sgd import SGD
from .trace import StepTrace

__all__ = [
    "StepTrace",
    "Optimizer",
    "OptimizerSpec",
    "Formula",
    "fmt",
    "make_optimizer",
    "optimizer_names",
    "optimizer_spec",
    "REGULARIZERS",
    "prox",
    "SGD",
    "Adam",
    "AdamW",
    "AMSGrad",
    "ADMMAdam",
    "RMSprop",
    "Adagrad",
]


@dataclass(frozen=True)
class OptimizerSpec:
    """A registered optimizer: its name, title, class, hyperparameters and reference."""

    name: str
    title: str
    cls: type
    params: tuple[Param, ...]
    reference: str = ""


# the registry, in the order the optimizers are listed to a person
_UNITS = (
    SGD,
    Adam,
    AdamW,
    AMSGrad,
    ADMMAdam,
    RMSprop,
    Adagrad,
)

_OPTIMIZERS: dict[str, OptimizerSpec] = {
    cls.name: OptimizerSpec(cls.name, cls.title, cls, cls.params, cls.reference)
    for cls in _UNITS
}


def optimizer_names() -> list[str]:
    """Names of the registered optimizers."""
    return list(_OPTIMIZERS)


def optimizer_spec(name: str) -> OptimizerSpec:
    """The registry entry of ``name``; ValueError naming the known optimizers otherwise."""
    try:
        return _OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; known optimizers: "
                         f"{', '.join(_OPTIMIZERS)}") from None


def make_optimizer(name: str, schedule: Schedule | dict | None = None, **hparams) -> Optimizer:
    """Build optimizer ``name`` with torch.optim's hyperparameter names and defaults.

    Invalid values raise ValueError naming the value and the allowed range.
    """
    return optimizer_spec(name).cls(schedule=schedule, **hparams)
