"""ADMM with Adam as the inner solver (Zhang et al., ECCV 2018), and the proximal operators
of its regularizers."""

from __future__ import annotations

import math

import numpy as np

from ..params import Param
from ..problem_base import norm2
from .adam import Adam, adam_derive, adam_lines, adam_traced
from .base import (Optimizer, betas_param, check_counter, check_entries, check_vector,
                   eps_param, is_count, is_number, lr_param)
from .formula import Formula, fmt

REGULARIZERS = ("l1", "box", "l2_ball", "ridge", "topk")

# the state made by the first step, and by the first outer update
_STARTED = ("rho", "z", "u", "inner", "outer", "adam")
_RECORDED = ("primal_residual", "dual_residual", "eps_pri", "eps_dual")
_OUTER = _RECORDED + ("converged",)


def prox(regularizer: str, v: np.ndarray, rho: float, h: dict) -> np.ndarray:
    """prox_{r/rho}(v) for the regularizers of MATH.md.

    l1 ``lam ||z||_1``: soft threshold ``sign(v) max(|v| - lam/rho, 0)``;
    box ``[lo, hi]``: ``clip(v, lo, hi)``; l2_ball of radius R: ``v min(1, R/||v||)``;
    ridge ``(lam/2)||z||^2``: ``v rho / (rho + lam)``; topk: keep the k largest |v_i|
    (not convex: no convergence guarantee).
    """
    if regularizer == "l1":
        return np.sign(v) * np.maximum(np.abs(v) - h["lam"] / rho, 0.0)
    if regularizer == "box":
        return np.clip(v, h["lo"], h["hi"])
    if regularizer == "l2_ball":
        norm = norm2(v)
        return v * min(1.0, h["radius"] / norm) if norm > 0 else v.copy()
    if regularizer == "ridge":
        return v * (rho / (rho + h["lam"]))
    if regularizer == "topk":
        k = min(int(h["k"]), v.size)
        z = np.zeros_like(v)
        if k > 0:
            keep = np.argsort(-np.abs(v), kind="stable")[:k]
            z[keep] = v[keep]
        return z
    raise ValueError(f"unknown regularizer {regularizer!r}; choose one of {', '.join(REGULARIZERS)}")


class ADMMAdam(Optimizer):
    """ADMM with Adam as the inner solver, for min f(w) + r(z) subject to w = z (scaled form)::

        z = prox_{r/rho}(w0);  u = 0;  one Adam state kept across outer iterations
        each step (inner j of K):  g_aug = g + rho (w - z + u);  w = AdamStep(w, g_aug)
        after every K-th step:     z_prev = z;  z = prox_{r/rho}(w + u);  u = u + w - z
            r = ||w - z||,  s = rho ||z - z_prev||
            eps_pri  = sqrt(n) eps_abs + eps_rel max(||w||, ||z||)
            eps_dual = sqrt(n) eps_abs + eps_rel rho ||u||
            balance: r > mu s: rho *= tau, u /= tau;  s > mu r: rho /= tau, u *= tau

    Trace: the inner Adam step's values, then z, u, rho, and after an outer update
    z_prev, primal/dual residuals, their tolerances and ``converged``.
    """

    name = "admm_adam"
    title = "ADMM-Adam"
    reference = ("Zhang et al., ADAM-ADMM: A Unified, Systematic Framework of Structured Weight "
                 "Pruning for DNNs, ECCV 2018; Boyd et al., Distributed Optimization and "
                 "Statistical Learning via ADMM, 2011")
    record_names = _RECORDED
    params = (
        lr_param(1e-2),
        betas_param(),
        eps_param(1e-8),
        Param("rho", "float", 1.0, "penalty parameter of the augmented Lagrangian",
              lo=0.0, lo_open=True),
        Param("inner_steps", "int", 10, "Adam steps per outer iteration (K)", lo=1, hi=100000),
        Param("regularizer", "choice", "l1", "r(z): l1, box, l2_ball, ridge or topk",
              choices=REGULARIZERS),
        Param("lam", "float", 0.1, "strength of l1 / ridge", lo=0.0),
        Param("lo", "float", -1.0, "box lower bound"),
        Param("hi", "float", 1.0, "box upper bound"),
        Param("radius", "float", 1.0, "l2 ball radius", lo=0.0),
        Param("k", "int", 1, "topk: number of nonzeros kept", lo=0),
        Param("eps_abs", "float", 1e-6, "absolute tolerance of the residuals", lo=0.0),
        Param("eps_rel", "float", 1e-4, "relative tolerance of the residuals", lo=0.0),
        Param("balance", "bool", False, "residual balancing (Boyd et al. 2011, 3.4.1)"),
        Param("mu", "float", 10.0, "balancing: ratio of residuals that triggers a change",
              lo=1.0),
        Param("tau", "float", 2.0, "balancing: factor by which rho changes", lo=1.0,
              lo_open=True),
    )

    def _validate(self, h):
        if h["lo"] > h["hi"]:
            raise ValueError(f"admm_adam box needs lo <= hi (got lo = {h['lo']!r}, hi = {h['hi']!r})")

    _derive = staticmethod(adam_derive)  # the inner steps are Adam's, traced as Adam's

    def __init__(self, schedule=None, **hparams):
        super().__init__(schedule, **hparams)
        self._inner = Adam()

    def set_hparams(self, **changes) -> None:
        """As Optimizer's; a new rho also becomes the penalty in use, with the scaled dual
        rescaled (u *= rho_old / rho_new) so that the unscaled dual rho * u is unchanged
        (Boyd et al. 2011, sec. 3.4.1). lam, the bounds and the regularizer take effect at
        the next z-update, which reads them."""
        old_rho = self.hparams["rho"]
        super().set_hparams(**changes)
        new_rho = self.hparams["rho"]
        st = self.state
        if new_rho != old_rho and "z" in st:
            st["u"] = st["u"] * (st["rho"] / new_rho)
            st["rho"] = new_rho

    def _adam(self) -> Adam:
        """The inner Adam, sharing this optimizer's state dict (so copies capture it)."""
        h = self.hparams
        self._inner.hparams.update(betas=h["betas"], eps=h["eps"])
        self._inner.state = self.state.setdefault("adam", {"t": 0})
        return self._inner

    def _step(self, w, g, lr, t, rec):
        h = self.hparams
        st = self.state
        if "z" not in st:
            st["rho"] = h["rho"]
            st["z"] = prox(h["regularizer"], w.copy(), st["rho"], h)
            st["u"] = np.zeros_like(w)
            st["inner"] = 0
            st["outer"] = 0
        rho = st["rho"]
        z, u = st["z"], st["u"]
        penalty = rho * (w - z + u)
        g_aug = g + penalty
        if rec is not None:
            rec["z_used"] = z
            rec["u_used"] = u
            rec["penalty"] = penalty
            rec["g_aug"] = g_aug
        adam = self._adam()
        adam.state["t"] = adam.t + 1
        adam._step(w, g_aug, lr, adam.t, rec)  # records Adam's values, ending with delta
        st["inner"] += 1
        j, K = st["inner"], h["inner_steps"]
        phase = f"inner {j} of {K}"
        if j >= K:
            st["inner"] = 0
            st["outer"] += 1
            z_prev = z
            z = prox(h["regularizer"], w + u, rho, h)
            u = u + w - z
            n = w.size
            r = norm2(w - z)
            s = rho * norm2(z - z_prev)
            eps_pri = math.sqrt(n) * h["eps_abs"] + h["eps_rel"] * max(
                norm2(w), norm2(z))
            eps_dual = math.sqrt(n) * h["eps_abs"] + h["eps_rel"] * rho * norm2(u)
            converged = r <= eps_pri and s <= eps_dual
            rho_used = rho
            if h["balance"]:
                if r > h["mu"] * s:
                    rho *= h["tau"]
                    u = u / h["tau"]
                elif s > h["mu"] * r:
                    rho /= h["tau"]
                    u = u * h["tau"]
            st.update(z=z, u=u, rho=rho, primal_residual=r, dual_residual=s,
                      eps_pri=eps_pri, eps_dual=eps_dual, converged=converged)
            phase = f"inner {K} of {K}, then z/u update (outer {st['outer']})"
            if rec is not None:
                rec["z_prev"] = z_prev
                rec["rho_used"] = rho_used
                rec["primal_residual"] = r
                rec["dual_residual"] = s
                rec["eps_pri"] = eps_pri
                rec["eps_dual"] = eps_dual
                rec["converged"] = converged
        if rec is not None:  # z and u are replaced, never changed in place: no copies
            rec["z"] = st["z"]
            rec["u"] = st["u"]
            rec["rho"] = st["rho"]
        return phase, ()

    # --- state_dict -------------------------------------------------------------------
    def _check_state(self, state, h, n, step, field):
        """The step counter; from the first step rho, z, u, the inner and outer counters
        and the inner Adam's state (at the same step); from the first outer update the
        residuals, their tolerances and ``converged``."""
        check_entries(state, ("t",) + _STARTED + _OUTER, field)
        t = check_counter(state, step, field)
        started = sum(key in state for key in _STARTED)
        if started not in (0, len(_STARTED)) or (started > 0) != (t > 0):
            raise ValueError(f"{field}: must hold {', '.join(_STARTED)} after the first step, "
                             f"and none of them before")
        outer = sum(key in state for key in _OUTER)
        if outer not in (0, len(_OUTER)) or (outer and not started):
            raise ValueError(f"{field}: must hold all of {', '.join(_OUTER)} (after an outer "
                             f"update) or none")
        out: dict = {}
        for key, value in state.items():
            at = f"{field}.{key}"
            if key == "t":
                out[key] = t
            elif key in ("z", "u"):
                out[key], n = check_vector(value, n, at)
            elif key == "adam":
                out[key], n = self._inner._check_state(value, self._inner.hparams, n, t, at)
            elif key in ("inner", "outer"):
                if not (is_count(value) and 0 <= value <= t):
                    raise ValueError(f"{at}: must be a whole number from 0 to {t}, got {value!r}")
                out[key] = int(value)
            elif key == "converged":
                if not isinstance(value, (bool, np.bool_)):
                    raise ValueError(f"{at}: must be true or false, got {value!r}")
                out[key] = bool(value)
            else:  # rho and the residuals: NaN when the run diverged
                if not is_number(value):
                    raise ValueError(f"{at}: must be a number, got {value!r}")
                out[key] = float(value)
                if key == "rho" and not out[key] > 0:
                    raise ValueError(f"{at}: must be a number > 0, got {value!r}")
        return out, n

    # --- what the unit tells its readers ---------------------------------------------------
    @classmethod
    def _traced(cls, h, outer):
        inner = adam_traced(dict(h, weight_decay=0.0), False, False)
        return ("z_used", "u_used", "penalty", "g_aug", *inner,
                *(("z_prev", "rho_used") + _OUTER if outer else ()), "z", "u", "rho")

    @classmethod
    def formula_lines(cls, f: Formula) -> list[str]:
        v, h, g, p = f.v, f.h, f.g, f.p
        z, u, rho = v("z_used"), v("u_used"), v("rho_used") if f.has("rho_used") else v("rho")
        rho_now = h.get("rho") if rho is None else rho
        lines = [f"g_aug = g + ρ × (p − z + u) = {fmt(g)} + {fmt(rho_now)} × ({fmt(p)} − {fmt(z)} + {fmt(u)})"
                 f" = {fmt(v('g_aug'))}"]
        lines += adam_lines(f, v("g_aug"), amsgrad=False, inner=True)
        if f.has("primal_residual"):
            lines.append(f"z = prox(p + u) = prox({fmt(v('p_after'))} + {fmt(u)}) = {fmt(v('z'))}"
                         f"   [{h['regularizer']}]")
            lines.append(f"u = u + p − z = {fmt(v('u'))}" + ("" if v("rho") == v("rho_used")
                                                         else f" (rescaled: ρ {fmt(v('rho_used'))} → {fmt(v('rho'))})"))
            lines.append(f"primal residual r = ‖p − z‖ = {fmt(v('primal_residual'))}"
                         f"  (tolerance {fmt(v('eps_pri'))})")
            lines.append(f"dual residual s = ρ ‖z − z_prev‖ = {fmt(v('dual_residual'))}"
                         f"  (tolerance {fmt(v('eps_dual'))})")
            lines.append("converged" if f.trace.values.get("converged") else "not converged yet")
        return lines

    @classmethod
    def formula_result(cls, f: Formula) -> None:
        return None  # the inner step's line gave the new parameter

    def drawing(self) -> dict | None:
        """Once stepped: the points z and z + u (see :meth:`Optimizer.drawing`), u, the
        penalty rho in use, the regularizer and the set it pulls z into, in plain numbers: l1 ``{"kind": "l1",
        "threshold": lam / rho}`` (the square prox sends to 0), box ``{"kind": "box",
        "lo", "hi"}``, l2_ball ``{"kind": "l2_ball", "radius"}``; ridge and topk None.
        ``record_names`` names the columns of :meth:`record_row`."""
        st = self.state
        if "z" not in st:
            return None
        h = self.hparams
        z, u, rho = st["z"], st["u"], st["rho"]
        with np.errstate(all="ignore"):  # a diverged run's inf + -inf
            z_plus_u = z + u
        reg = h["regularizer"]
        if reg == "l1":
            constraint = {"kind": "l1", "threshold": h["lam"] / rho}
        elif reg == "box":
            constraint = {"kind": "box", "lo": h["lo"], "hi": h["hi"]}
        elif reg == "l2_ball":
            constraint = {"kind": "l2_ball", "radius": h["radius"]}
        else:
            constraint = None
        return {"points": {"z": z.copy(), "z_plus_u": z_plus_u}, "markers": ("z",),
                "segments": (("z", "z_plus_u"),), "u": u.copy(), "rho": rho,
                "regularizer": reg, "constraint": constraint, "record_names": self.record_names}

    def record_row(self) -> tuple | None:
        """(primal residual, dual residual, eps_pri, eps_dual) right after an outer update."""
        st = self.state
        if "primal_residual" in st and st.get("inner") == 0:
            return (st["primal_residual"], st["dual_residual"], st["eps_pri"], st["eps_dual"])
        return None

    def converged(self) -> bool:
        """Both residuals within their tolerances, right after an outer update."""
        st = self.state
        return bool(st.get("converged")) and st.get("inner") == 0 and st.get("outer", 0) > 0
