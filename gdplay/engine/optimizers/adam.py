"""Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW (with their amsgrad flag).

The kernel, its constants, its derived values and its written-out lines are shared with
AMSGrad (torch's variant is Adam with amsgrad) and ADMM-Adam (whose inner solver is Adam).
"""

from __future__ import annotations

import math

from .base import (Optimizer, amsgrad_param, betas_param, eps_param, lerp, lr_param,
                   wd_param, with_l2)
from .formula import Formula, fmt
from .trace import StepTrace

ADAM_KEYS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
_ADAMW_NOTE = ("decay = lr x weight_decay x p, as PyTorch; the paper scales by the "
               "schedule multiplier eta_t instead of lr",)


def adam_constants(h: dict, lr: float, t: int, decoupled: bool, amsgrad: bool):
    b1, b2 = h["betas"]
    wd = h["weight_decay"]
    bc1 = 1.0 - b1 ** t
    bc2 = 1.0 - b2 ** t
    step_size = lr / bc1
    scalars: dict[str, object] = {}
    notes: tuple[str, ...] = ()
    factor = None
    if wd != 0 and decoupled:
        factor = 1.0 - lr * wd
        scalars["decay_factor"] = factor
        notes = _ADAMW_NOTE
        wd = 0.0
    scalars.update(bc1=bc1, bc2=bc2, step_size=step_size)
    c = (b1, b2, h["eps"], wd, factor, amsgrad, step_size, math.sqrt(bc2))
    return c, scalars, notes


def adam_kernel(c, g, w, s, ops):
    b1, b2, eps, wd, factor, amsgrad, step_size, bc2_sqrt = c
    sqrt, maximum = ops
    m, v, vmax = s
    rec = {}
    if factor is not None:  # AdamW: p = p (1 - lr wd), before the update (traced as "decay",
        w = w * factor      # worked out when the trace is read: see adam_derive)
    else:
        if wd != 0:
            g = with_l2(g, w, wd, rec)
    rec["m_prev"] = m
    rec["v_prev"] = v
    if amsgrad:
        rec["v_max_prev"] = vmax
    m = lerp(m, g, 1.0 - b1)
    v = v * b2 + ((1.0 - b2) * g) * g
    rec["m"] = m
    rec["v"] = v
    if amsgrad:
        vmax = maximum(vmax, v)
        rec["v_max"] = vmax
        denom = sqrt(vmax) / bc2_sqrt + eps
    else:
        vmax = None
        denom = sqrt(v) / bc2_sqrt + eps
    rec["denom"] = denom
    delta = (-step_size * m) / denom
    rec["delta"] = delta
    return w + delta, (m, v, vmax), rec


def adam_derive(tr: StepTrace) -> dict:
    """The values shown beside Adam's: m_hat, v_hat, the effective learning rate, AdamW's
    decay (AMSGrad's reddi variant, without bias correction, has the last but one only)."""
    v = tr._values
    if "bc1" not in v:
        return {"effective_lr": tr.lr / v["denom"]}
    second = v["v_max"] if "v_max" in v else v["v"]
    derived = {"m_hat": v["m"] / v["bc1"], "v_hat": second / v["bc2"],
               "effective_lr": v["step_size"] / v["denom"]}
    if "decay_factor" in v:  # AdamW: the step's first change, the same bits as the kernel's
        before = v["p_before"]
        derived["decay"] = before * v["decay_factor"] - before
    return derived


def adam_traced(h: dict, decoupled: bool, amsgrad: bool) -> tuple[str, ...]:
    """The names of an Adam step's trace between p_before and p_after."""
    wd = h["weight_decay"] != 0
    ams = amsgrad
    return (*(("decay",) if wd and decoupled else ()),
            *(("g_wd",) if wd and not decoupled else ()),
            "m_prev", "v_prev", *(("v_max_prev",) if ams else ()),
            "m", "v", *(("v_max",) if ams else ()), "denom",
            *(("decay_factor",) if wd and decoupled else ()),
            "bc1", "bc2", "step_size", "m_hat", "v_hat", "effective_lr", "delta")


def adam_lines(f: Formula, g, amsgrad: bool, inner: bool = False) -> list[str]:
    """Adam's moments, bias corrections and step for one parameter (``g``: the gradient
    the moments took); ``inner``: with the new parameter (ADMM-Adam's inner step)."""
    v, t, h = f.v, f.t, f.h
    b1, b2 = h["betas"]
    eps = h["eps"]
    lines = [
        f"m_{t} = β1 × m_{t - 1} + (1 − β1) × g = {fmt(b1)} × {fmt(v('m_prev'))} + {fmt(1 - b1)} × {fmt(g)}"
        f" = {fmt(v('m'))}",
        f"v_{t} = β2 × v_{t - 1} + (1 − β2) × g² = {fmt(b2)} × {fmt(v('v_prev'))} + {fmt(1 - b2)} × {fmt(g)}²"
        f" = {fmt(v('v'))}",
    ]
    if amsgrad:
        lines.append(f"v_max = max(v_max_prev, v_{t}) = max({fmt(v('v_max_prev'))}, {fmt(v('v'))}) = "
                     f"{fmt(v('v_max'))}   (max of the raw v, as PyTorch)")
    lines += [
        f"bc1 = 1 − β1^{t} = {fmt(v('bc1'))};  bc2 = 1 − β2^{t} = {fmt(v('bc2'))}",
        f"m̂ = m / bc1 = {fmt(v('m_hat'))};  v̂ = {'v_max' if amsgrad else 'v'} / bc2 = {fmt(v('v_hat'))}",
        f"denom = √v̂ + ε = √{fmt(v('v_hat'))} + {fmt(eps)} = {fmt(v('denom'))}",
        f"Δ = −(lr / bc1) × m / denom = −{fmt(v('step_size'))} × {fmt(v('m'))} / {fmt(v('denom'))}"
        f" = {fmt(v('delta'))}   (effective step size lr/bc1/denom = {fmt(v('effective_lr'))})",
    ]
    if inner:
        lines.append(f"p = {fmt(f.p)} + {fmt(v('delta'))} = {fmt(v('p_after'))}")
    return lines


def adam_formula_lines(f: Formula) -> list[str]:
    """Adam's or AdamW's step written out: the decay or L2 term, then :func:`adam_lines`."""
    v, g, p = f.v, f.g, f.p
    lines = []
    if f.has("decay_factor"):
        lines.append(f"p ← p × (1 − lr × wd) = {fmt(p)} × {fmt(v('decay_factor'))} = "
                     f"{fmt(p + v('decay'))}   (decay {fmt(v('decay'))}; PyTorch scales by lr)")
    if f.has("g_wd"):
        lines.append(f"g' = g + wd × p = {fmt(g)} + {fmt(f.h['weight_decay'])} × {fmt(p)} = {fmt(v('g_wd'))}"
                     "   (L2 in the gradient)")
        g = v("g_wd")
    return lines + adam_lines(f, g, f.has("v_max"))


def adam_formula_result(f: Formula) -> str:
    """The new parameter from the decayed one (AdamW) or the one before the step."""
    v = f.v
    base = f.p + v("decay") if f.has("decay_factor") else f.p
    return f"p_{f.t} = p + Δ = {fmt(base)} + {fmt(v('delta'))} = {fmt(v('p_after'))}"


class Adam(Optimizer):
    """torch.optim.Adam (and AdamW with ``decoupled``)::

        Adam:  g = g + wd p               AdamW: p = p (1 - lr wd)
        m = b1 m + (1 - b1) g              (torch.lerp)
        v = b2 v + (1 - b2) g^2
        bc1 = 1 - b1^t;  bc2 = 1 - b2^t
        amsgrad: v_max = max(v_max, v);  denom = sqrt(v_max) / sqrt(bc2) + eps
        else:                            denom = sqrt(v) / sqrt(bc2) + eps
        p = p - (lr / bc1) m / denom

    Trace: g, (g_wd | decay), m_prev, v_prev, (v_max_prev), m, v, (v_max), denom,
    (decay_factor), bc1, bc2, step_size, m_hat, v_hat, effective_lr (lr / bc1 / denom per
    parameter), delta. m_hat and v_hat are shown for reading; the update uses step_size and
    denom as torch does.
    """

    name = "adam"
    title = "Adam"
    reference = "torch.optim.Adam"
    decoupled = False
    supports_floats = True
    _state_keys = ADAM_KEYS
    params = (
        lr_param(1e-3),
        betas_param(),
        eps_param(1e-8),
        wd_param(0.0, "L2 penalty added to the gradient (not decoupled: see adamw)"),
        amsgrad_param(),
    )

    def _initial(self, key):
        if key == "max_exp_avg_sq" and not self.hparams["amsgrad"]:
            return None  # not read
        return 0.0

    def _constants(self, lr, t):
        return adam_constants(self.hparams, lr, t, self.decoupled, self.hparams["amsgrad"])

    _kernel = staticmethod(adam_kernel)
    _derive = staticmethod(adam_derive)

    @classmethod
    def _traced(cls, h, outer):
        return adam_traced(h, cls.decoupled, h["amsgrad"])

    @classmethod
    def formula_lines(cls, f: Formula) -> list[str]:
        return adam_formula_lines(f)

    @classmethod
    def formula_result(cls, f: Formula) -> str:
        return adam_formula_result(f)


class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay ``p = p (1 - lr wd)``."""

    name = "adamw"
    title = "AdamW"
    reference = "torch.optim.AdamW"
    decoupled = True
    params = (
        lr_param(1e-3),
        betas_param(),
        eps_param(1e-8),
        wd_param(1e-2, "decoupled weight decay: p = p (1 - lr weight_decay) each step"),
        amsgrad_param(),
    )
