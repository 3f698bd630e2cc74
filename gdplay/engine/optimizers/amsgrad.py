"""AMSGrad: torch's form (Adam with amsgrad=True) and Reddi et al.'s Algorithm 2."""

from __future__ import annotations

from ..params import Param
from .adam import (ADAM_KEYS, adam_constants, adam_derive, adam_formula_lines,
                   adam_formula_result, adam_kernel, adam_traced)
from .base import Optimizer, betas_param, eps_param, lr_param, wd_param, with_l2
from .formula import Formula, fmt

_REDDI_NOTE = ("Reddi et al. Algorithm 2: no bias correction",)


class AMSGrad(Optimizer):
    """AMSGrad in two variants.

    "pytorch" (default): torch.optim.Adam(amsgrad=True): v_max = max(v_max, v) of the raw
    v, bias-corrected denominator (see :class:`Adam`).

    "reddi": Reddi, Kale & Kumar, ICLR 2018, Algorithm 2 (constant beta1, no projection)::

        m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  v_hat = max(v_hat, v)
        p = p - lr m / (sqrt(v_hat) + eps)      (no bias correction; eps only for safety)
    """

    name = "amsgrad"
    title = "AMSGrad"
    reference = ("torch.optim.Adam(amsgrad=True); Reddi, Kale & Kumar, On the Convergence "
                 "of Adam and Beyond, ICLR 2018, Algorithm 2")
    supports_floats = True
    _state_keys = ADAM_KEYS
    params = (
        lr_param(1e-3),
        betas_param(),
        eps_param(1e-8),
        wd_param(0.0, "L2 penalty added to the gradient"),
        Param("variant", "choice", "pytorch", "pytorch: torch's bias-corrected form; "
              "reddi: the paper's Algorithm 2", choices=("pytorch", "reddi")),
    )

    _derive = staticmethod(adam_derive)

    def _constants(self, lr, t):
        h = self.hparams
        if h["variant"] == "pytorch":
            return adam_constants(h, lr, t, False, True)
        b1, b2 = h["betas"]
        return ("reddi", lr, b1, b2, h["eps"], h["weight_decay"]), {}, _REDDI_NOTE

    def _kernel(self, c, g, w, s, ops):
        if c[0] != "reddi":
            return adam_kernel(c, g, w, s, ops)
        _, lr, b1, b2, eps, wd = c
        sqrt, maximum = ops
        m, v, vhat = s
        rec = {}
        if wd != 0:
            g = with_l2(g, w, wd, rec)
        rec["m_prev"] = m
        rec["v_prev"] = v
        rec["v_max_prev"] = vhat
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * g * g
        vhat = maximum(vhat, v)
        denom = sqrt(vhat) + eps
        delta = -lr * m / denom
        rec["m"] = m
        rec["v"] = v
        rec["v_max"] = vhat
        rec["denom"] = denom
        rec["delta"] = delta
        return w + delta, (m, v, vhat), rec

    @classmethod
    def _traced(cls, h, outer):
        if h["variant"] == "pytorch":
            return adam_traced(h, False, True)
        return (*(("g_wd",) if h["weight_decay"] != 0 else ()),
                "m_prev", "v_prev", "v_max_prev", "m", "v", "v_max", "denom", "effective_lr",
                "delta")

    @classmethod
    def formula_lines(cls, f: Formula) -> list[str]:
        if f.has("bc1"):  # torch's variant: Adam's lines
            return adam_formula_lines(f)
        v, t, h, g = f.v, f.t, f.h, f.g
        b1, b2 = h["betas"]
        lines = []
        g = f.l2(lines, g)
        lines.append(f"m_{t} = β1 × m_{t - 1} + (1 − β1) × g = {fmt(b1)} × {fmt(v('m_prev'))} + "
                     f"{fmt(1 - b1)} × {fmt(g)} = {fmt(v('m'))}")
        lines.append(f"v_{t} = β2 × v_{t - 1} + (1 − β2) × g² = {fmt(b2)} × {fmt(v('v_prev'))} + "
                     f"{fmt(1 - b2)} × {fmt(g)}² = {fmt(v('v'))}")
        lines.append(f"v̂_{t} = max(v̂_{t - 1}, v_{t}) = max({fmt(v('v_max_prev'))}, {fmt(v('v'))}) = {fmt(v('v_max'))}")
        lines.append(f"Δ = −lr × m / (√v̂ + ε) = −{fmt(f.lr)} × {fmt(v('m'))} / {fmt(v('denom'))} = "
                     f"{fmt(v('delta'))}   (no bias correction: Reddi et al., Algorithm 2)")
        return lines

    @classmethod
    def formula_result(cls, f: Formula) -> str:
        return adam_formula_result(f) if f.has("bc1") else f.result()
