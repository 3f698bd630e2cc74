"""What an optimizer unit needs to write its update out: numbers formatted for a formula,
and one parameter's values in one trace."""

from __future__ import annotations

import math

import numpy as np

from .trace import StepTrace

__all__ = ["fmt", "Formula"]


def fmt(x) -> str:
    """A number for a formula: 6 significant digits, negatives in parentheses."""
    if x is None:
        return "—"
    x = float(x)
    if math.isnan(x):
        return "nan"
    text = f"{x:.6g}"
    return f"({text})" if x < 0 or text.startswith("-") else text


class Formula:
    """Parameter ``i`` of a step's trace, as a unit's ``formula_lines`` reads it: the step
    ``t``, learning rate ``lr``, hyperparameters ``h``, gradient ``g`` and parameter ``p``
    before the step, and any traced value by name through :meth:`v`."""

    __slots__ = ("trace", "i", "t", "lr", "h", "g", "p")

    def __init__(self, trace: StepTrace, i: int):
        self.trace = trace
        self.i = i
        self.t = trace.t
        self.lr = trace.lr
        self.h = trace.hparams
        self.g = self.v("g")
        self.p = self.v("p_before")

    def v(self, key: str):
        """Traced value ``key`` at this parameter (a float; None when not traced)."""
        value = self.trace.values.get(key)
        if value is None:
            return None
        if isinstance(value, np.ndarray):
            return float(value[self.i]) if value.ndim else float(value)
        return value

    def has(self, key: str) -> bool:
        """Whether the step traced ``key`` (which branch of the update it took)."""
        return key in self.trace

    def l2(self, lines: list[str], g):
        """The gradient the update used: with an L2 term (``g_wd`` traced) its line is
        added to ``lines`` and that gradient given, else ``g``."""
        if not self.has("g_wd"):
            return g
        lines.append(f"g' = g + wd × p = {fmt(self.v('g_wd'))}")
        return self.v("g_wd")

    def result(self) -> str:
        """The usual last line: the parameter after the step."""
        v, t = self.v, self.t
        return f"p_{t} = p_{t - 1} + Δ = {fmt(self.p)} + {fmt(v('delta'))} = {fmt(v('p_after'))}"
