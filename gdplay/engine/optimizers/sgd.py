"""SGD with momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD."""

from __future__ import annotations

from ..params import Param
from .base import Optimizer, lr_param, wd_param, with_l2
from .formula import Formula, fmt


class SGD(Optimizer):
    """torch.optim.SGD::

        g = g + wd p                                   if wd != 0
        b = g (first step), else b = mu b + (1 - dampening) g      if mu != 0
        d = g + mu b if nesterov else b                if mu != 0, else d = g
        p = p - lr d

    Trace: g, g_wd, buf_prev, buf, direction, delta.
    """

    name = "sgd"
    title = "SGD"
    reference = "torch.optim.SGD"
    supports_floats = True
    _constants_use_t = False
    _state_keys = ("momentum_buffer",)
    params = (
        lr_param(1e-3),
        Param("momentum", "float", 0.0, "momentum factor mu", lo=0.0),
        Param("dampening", "float", 0.0, "dampening of the gradient added to the momentum",
              lo=0.0, hi=1.0),
        Param("nesterov", "bool", False, "Nesterov momentum (needs momentum > 0, dampening 0)"),
        wd_param(0.0, "L2 penalty added to the gradient"),
    )

    def _validate(self, h):
        if h["nesterov"] and (h["momentum"] <= 0 or h["dampening"] != 0):
            raise ValueError(
                f"sgd nesterov = True needs momentum > 0 and dampening = 0 "
                f"(got momentum = {h['momentum']!r}, dampening = {h['dampening']!r})")

    def _initial(self, key):
        return None  # the first step's buffer is the gradient itself

    def _constants(self, lr, t):
        h = self.hparams
        return (lr, h["momentum"], h["dampening"], h["nesterov"], h["weight_decay"]), {}, ()

    def _kernel(self, c, g, w, s, ops):
        lr, mu, dampening, nesterov, wd = c
        rec = {}
        if wd != 0:
            g = with_l2(g, w, wd, rec)
        buf = None
        d = g
        if mu != 0:
            buf = s[0]
            rec["buf_prev"] = buf
            buf = g if buf is None else buf * mu + (1.0 - dampening) * g
            d = g + mu * buf if nesterov else buf
            rec["buf"] = buf
        delta = -lr * d
        rec["direction"] = d
        rec["delta"] = delta
        return w + delta, (buf,), rec

    @classmethod
    def _traced(cls, h, outer):
        return (*(("g_wd",) if h["weight_decay"] != 0 else ()),
                *(("buf_prev", "buf") if h["momentum"] != 0 else ()),
                "direction", "delta")

    @classmethod
    def formula_lines(cls, f: Formula) -> list[str]:
        v, t, h, g, p = f.v, f.t, f.h, f.g, f.p
        lines = []
        wd = h.get("weight_decay", 0.0)
        if f.has("g_wd"):
            lines.append(f"g' = g + wd × p = {fmt(g)} + {fmt(wd)} × {fmt(p)} = {fmt(v('g_wd'))}")
            g = v("g_wd")
        if f.has("buf"):
            mu = h["momentum"]
            prev = v("buf_prev")
            if prev is None:
                lines.append(f"b_{t} = g = {fmt(v('buf'))}   (first step: no dampening)")
            else:
                lines.append(f"b_{t} = μ × b_{t - 1} + (1 − dampening) × g = {fmt(mu)} × {fmt(prev)} + "
                             f"{fmt(1 - h['dampening'])} × {fmt(g)} = {fmt(v('buf'))}")
            if h.get("nesterov"):
                lines.append(f"d = g + μ × b_{t} = {fmt(g)} + {fmt(mu)} × {fmt(v('buf'))} = {fmt(v('direction'))}")
            else:
                lines.append(f"d = b_{t} = {fmt(v('direction'))}")
        else:
            lines.append(f"d = g = {fmt(v('direction'))}")
        lines.append(f"Δ = −lr × d = −{fmt(f.lr)} × {fmt(v('direction'))} = {fmt(v('delta'))}")
        return lines
