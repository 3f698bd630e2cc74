"""RMSprop with momentum, centering and L2 weight decay, as torch.optim.RMSprop."""

from __future__ import annotations

from ..params import Param
from .base import Optimizer, eps_param, lerp, lr_param, wd_param, with_l2
from .formula import Formula, fmt
from .trace import StepTrace


class RMSprop(Optimizer):
    """torch.optim.RMSprop::

        g = g + wd p                      if wd != 0
        v = alpha v + (1 - alpha) g^2
        centered: g_avg = lerp(g_avg, g, 1 - alpha); avg = sqrt(v - g_avg^2) + eps
        else:     avg = sqrt(v) + eps
        momentum > 0: buf = momentum buf + g / avg;  p = p - lr buf
        else:         p = p - lr g / avg
    """

    name = "rmsprop"
    title = "RMSprop"
    reference = "torch.optim.RMSprop"
    supports_floats = True
    _constants_use_t = False
    _state_keys = ("square_avg", "grad_avg", "momentum_buffer")
    params = (
        lr_param(1e-2),
        Param("alpha", "float", 0.99, "smoothing constant of the squared-gradient average",
              lo=0.0, hi=1.0),
        eps_param(1e-8),
        wd_param(0.0, "L2 penalty added to the gradient"),
        Param("momentum", "float", 0.0, "momentum factor", lo=0.0),
        Param("centered", "bool", False, "normalize by the estimated variance of the gradient"),
    )

    def _initial(self, key):
        h = self.hparams
        if (key == "grad_avg" and not h["centered"]) or (key == "momentum_buffer"
                                                         and not h["momentum"] > 0):
            return None  # not read
        return 0.0

    def _constants(self, lr, t):
        h = self.hparams
        return (lr, h["alpha"], h["eps"], h["weight_decay"], h["momentum"], h["centered"]), {}, ()

    def _kernel(self, c, g, w, s, ops):
        lr, alpha, eps, wd, mu, centered = c
        sqrt = ops[0]
        v, ga, buf = s
        rec = {}
        if wd != 0:
            g = with_l2(g, w, wd, rec)
        rec["v_prev"] = v
        if mu > 0:
            rec["buf_prev"] = buf
        v = v * alpha + ((1.0 - alpha) * g) * g
        if centered:
            ga = lerp(ga, g, 1.0 - alpha)
            avg = sqrt(v + (-1.0 * ga) * ga) + eps
        else:
            ga = None
            avg = sqrt(v) + eps
        if mu > 0:
            buf = buf * mu + g / avg
            delta = -lr * buf
        else:
            buf = None
            delta = (-lr * g) / avg
        rec["v"] = v
        if ga is not None:
            rec["g_avg"] = ga
        rec["denom"] = avg
        if buf is not None:
            rec["buf"] = buf
        rec["delta"] = delta
        return w + delta, (v, ga, buf), rec

    @staticmethod
    def _derive(tr: StepTrace) -> dict:
        return {"effective_lr": tr.lr / tr._values["denom"]}

    @classmethod
    def _traced(cls, h, outer):
        momentum = h["momentum"] > 0
        return (*(("g_wd",) if h["weight_decay"] != 0 else ()), "v_prev",
                *(("buf_prev",) if momentum else ()), "v",
                *(("g_avg",) if h["centered"] else ()), "denom",
                *(("buf",) if momentum else ()), "effective_lr", "delta")

    @classmethod
    def formula_lines(cls, f: Formula) -> list[str]:
        v, t, h, g = f.v, f.t, f.h, f.g
        alpha = h["alpha"]
        lines = []
        g = f.l2(lines, g)
        lines.append(f"v_{t} = α × v_{t - 1} + (1 − α) × g² = {fmt(alpha)} × {fmt(v('v_prev'))} + "
                     f"{fmt(1 - alpha)} × {fmt(g)}² = {fmt(v('v'))}")
        if f.has("g_avg"):
            lines.append(f"ḡ = {fmt(v('g_avg'))};  denom = √(v − ḡ²) + ε = {fmt(v('denom'))}")
        else:
            lines.append(f"denom = √v + ε = √{fmt(v('v'))} + {fmt(h['eps'])} = {fmt(v('denom'))}")
        if f.has("buf"):
            lines.append(f"b_{t} = μ × b_{t - 1} + g / denom = {fmt(h['momentum'])} × {fmt(v('buf_prev'))} + "
                         f"{fmt(g)} / {fmt(v('denom'))} = {fmt(v('buf'))}")
            lines.append(f"Δ = −lr × b_{t} = {fmt(v('delta'))}")
        else:
            lines.append(f"Δ = −lr × g / denom = −{fmt(f.lr)} × {fmt(g)} / {fmt(v('denom'))} = {fmt(v('delta'))}")
        return lines
