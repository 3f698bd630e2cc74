"""Adagrad with learning-rate decay and L2 weight decay, as torch.optim.Adagrad."""

from __future__ import annotations

from ..params import Param
from .base import Optimizer, eps_param, lr_param, wd_param, with_l2
from .formula import Formula, fmt
from .trace import StepTrace


class Adagrad(Optimizer):
    """torch.optim.Adagrad::

        g = g + wd p                    if wd != 0
        clr = lr / (1 + (t - 1) lr_decay)
        s = s + g^2
        p = p - clr g / (sqrt(s) + eps)
    """

    name = "adagrad"
    title = "Adagrad"
    reference = "torch.optim.Adagrad"
    supports_floats = True
    _state_keys = ("sum",)
    params = (
        lr_param(1e-2),
        Param("lr_decay", "float", 0.0, "learning-rate decay", lo=0.0),
        wd_param(0.0, "L2 penalty added to the gradient"),
        Param("initial_accumulator_value", "float", 0.0, "starting value of the sum s", lo=0.0),
        eps_param(1e-10),
    )

    def _initial(self, key):
        return self.hparams["initial_accumulator_value"]

    def _constants(self, lr, t):
        h = self.hparams
        clr = lr / (1.0 + (t - 1) * h["lr_decay"])
        return (clr, h["eps"], h["weight_decay"]), {"clr": clr}, ()

    def _kernel(self, c, g, w, s, ops):
        clr, eps, wd = c
        rec = {}
        if wd != 0:
            g = with_l2(g, w, wd, rec)
        total = s[0]
        rec["sum_prev"] = total
        total = total + g * g
        std = ops[0](total) + eps
        delta = (-clr * g) / std
        rec["sum"] = total
        rec["denom"] = std
        rec["delta"] = delta
        return w + delta, (total,), rec

    @staticmethod
    def _derive(tr: StepTrace) -> dict:
        return {"effective_lr": tr._values["clr"] / tr._values["denom"]}

    @classmethod
    def _traced(cls, h, outer):
        return (*(("g_wd",) if h["weight_decay"] != 0 else ()),
                "sum_prev", "sum", "denom", "clr", "effective_lr", "delta")

    @classmethod
    def formula_lines(cls, f: Formula) -> list[str]:
        v, t, g = f.v, f.t, f.g
        lines = []
        g = f.l2(lines, g)
        lines.append(f"clr = lr / (1 + (t − 1) × lr_decay) = {fmt(v('clr'))}")
        lines.append(f"s_{t} = s_{t - 1} + g² = {fmt(v('sum_prev'))} + {fmt(g)}² = {fmt(v('sum'))}")
        lines.append(f"Δ = −clr × g / (√s + ε) = −{fmt(v('clr'))} × {fmt(g)} / {fmt(v('denom'))} = {fmt(v('delta'))}")
        return lines
