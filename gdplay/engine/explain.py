"""One step of one parameter, written out with the numbers the step used.

``explain_step(trace, i)`` turns a :class:`StepTrace` into lines such as::

    m_3 = β1 × m_2 + (1 − β1) × g = 0.9 × (-0.12) + 0.1 × (-2.3) = -0.338

Every number comes from the trace (the values the update used); nothing is recomputed
except the arithmetic shown on the right of the last "=", which is the trace's own value.
"""

from __future__ import annotations

import math

import numpy as np

from .optimizers import StepTrace

__all__ = ["explain_step", "explain_chain_rule", "explain_backprop", "fmt"]


def fmt(x) -> str:
    """A number for a formula: 6 significant digits, negatives in parentheses."""
    if x is None:
        return "—"
    x = float(x)
    if math.isnan(x):
        return "nan"
    text = f"{x:.6g}"
    return f"({text})" if x < 0 or text.startswith("-") else text


def _at(trace: StepTrace, key: str, i: int):
    value = trace.values.get(key)
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return float(value[i]) if value.ndim else float(value)
    return value


def explain_step(trace: StepTrace, i: int = 0) -> list[str]:
    """The update of parameter ``i`` at step ``trace.t``, one formula a line."""
    name = trace.optimizer
    t = trace.t
    h = trace.hparams
    v = lambda key: _at(trace, key, i)  # noqa: E731
    lines = [f"step t = {t}, lr = {fmt(trace.lr)}" + (f", {trace.phase}" if trace.phase else "")]
    g = v("g")
    lines.append(f"g = ∂L/∂p[{i}] = {fmt(g)}")
    p = v("p_before")

    if name == "admm_adam":
        z, u, rho = v("z_used"), v("u_used"), v("rho_used") if "rho_used" in trace else v("rho")
        rho_now = h.get("rho") if rho is None else rho
        lines.append(f"g_aug = g + ρ × (p − z + u) = {fmt(g)} + {fmt(rho_now)} × ({fmt(p)} − {fmt(z)} + {fmt(u)})"
                     f" = {fmt(v('g_aug'))}")
        g = v("g_aug")
        lines += _adam_lines(trace, v, h, t, g, p, decoupled=False, amsgrad=False, inner=True)
        if "primal_residual" in trace:
            lines.append(f"z = prox(p + u) = prox({fmt(v('p_after'))} + {fmt(u)}) = {fmt(v('z'))}"
                         f"   [{h['regularizer']}]")
            lines.append(f"u = u + p − z = {fmt(v('u'))}" + ("" if v("rho") == v("rho_used")
                                                         else f" (rescaled: ρ {fmt(v('rho_used'))} → {fmt(v('rho'))})"))
            lines.append(f"primal residual r = ‖p − z‖ = {fmt(v('primal_residual'))}"
                         f"  (tolerance {fmt(v('eps_pri'))})")
            lines.append(f"dual residual s = ρ ‖z − z_prev‖ = {fmt(v('dual_residual'))}"
                         f"  (tolerance {fmt(v('eps_dual'))})")
            lines.append("converged" if trace.values.get("converged") else "not converged yet")
        return lines

    if name == "sgd":
        wd = h.get("weight_decay", 0.0)
        if "g_wd" in trace:
            lines.append(f"g' = g + wd × p = {fmt(g)} + {fmt(wd)} × {fmt(p)} = {fmt(v('g_wd'))}")
            g = v("g_wd")
        if "buf" in trace:
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
        lines.append(f"Δ = −lr × d = −{fmt(trace.lr)} × {fmt(v('direction'))} = {fmt(v('delta'))}")
    elif name in ("adam", "adamw") or (name == "amsgrad" and "bc1" in trace):
        decoupled = "decay_factor" in trace
        if decoupled:
            lines.append(f"p ← p × (1 − lr × wd) = {fmt(p)} × {fmt(v('decay_factor'))} = "
                         f"{fmt(p + v('decay'))}   (decay {fmt(v('decay'))}; PyTorch scales by lr)")
        if "g_wd" in trace:
            lines.append(f"g' = g + wd × p = {fmt(g)} + {fmt(h['weight_decay'])} × {fmt(p)} = {fmt(v('g_wd'))}"
                         "   (L2 in the gradient)")
            g = v("g_wd")
        lines += _adam_lines(trace, v, h, t, g, p, decoupled, "v_max" in trace)
        base = p + v("decay") if decoupled else p
        return lines + [f"p_{t} = p + Δ = {fmt(base)} + {fmt(v('delta'))} = {fmt(v('p_after'))}"]
    elif name == "amsgrad":  # Reddi et al.'s variant
        b1, b2 = h["betas"]
        if "g_wd" in trace:
            lines.append(f"g' = g + wd × p = {fmt(v('g_wd'))}")
            g = v("g_wd")
        lines.append(f"m_{t} = β1 × m_{t - 1} + (1 − β1) × g = {fmt(b1)} × {fmt(v('m_prev'))} + "
                     f"{fmt(1 - b1)} × {fmt(g)} = {fmt(v('m'))}")
        lines.append(f"v_{t} = β2 × v_{t - 1} + (1 − β2) × g² = {fmt(b2)} × {fmt(v('v_prev'))} + "
                     f"{fmt(1 - b2)} × {fmt(g)}² = {fmt(v('v'))}")
        lines.append(f"v̂_{t} = max(v̂_{t - 1}, v_{t}) = max({fmt(v('v_max_prev'))}, {fmt(v('v'))}) = {fmt(v('v_max'))}")
        lines.append(f"Δ = −lr × m / (√v̂ + ε) = −{fmt(trace.lr)} × {fmt(v('m'))} / {fmt(v('denom'))} = "
                     f"{fmt(v('delta'))}   (no bias correction: Reddi et al., Algorithm 2)")
    elif name == "rmsprop":
        alpha = h["alpha"]
        if "g_wd" in trace:
            lines.append(f"g' = g + wd × p = {fmt(v('g_wd'))}")
            g = v("g_wd")
        lines.append(f"v_{t} = α × v_{t - 1} + (1 − α) × g² = {fmt(alpha)} × {fmt(v('v_prev'))} + "
                     f"{fmt(1 - alpha)} × {fmt(g)}² = {fmt(v('v'))}")
        if "g_avg" in trace:
            lines.append(f"ḡ = {fmt(v('g_avg'))};  denom = √(v − ḡ²) + ε = {fmt(v('denom'))}")
        else:
            lines.append(f"denom = √v + ε = √{fmt(v('v'))} + {fmt(h['eps'])} = {fmt(v('denom'))}")
        if "buf" in trace:
            lines.append(f"b_{t} = μ × b_{t - 1} + g / denom = {fmt(h['momentum'])} × {fmt(v('buf_prev'))} + "
                         f"{fmt(g)} / {fmt(v('denom'))} = {fmt(v('buf'))}")
            lines.append(f"Δ = −lr × b_{t} = {fmt(v('delta'))}")
        else:
            lines.append(f"Δ = −lr × g / denom = −{fmt(trace.lr)} × {fmt(g)} / {fmt(v('denom'))} = {fmt(v('delta'))}")
    elif name == "adagrad":
        if "g_wd" in trace:
            lines.append(f"g' = g + wd × p = {fmt(v('g_wd'))}")
            g = v("g_wd")
        lines.append(f"clr = lr / (1 + (t − 1) × lr_decay) = {fmt(v('clr'))}")
        lines.append(f"s_{t} = s_{t - 1} + g² = {fmt(v('sum_prev'))} + {fmt(g)}² = {fmt(v('sum'))}")
        lines.append(f"Δ = −clr × g / (√s + ε) = −{fmt(v('clr'))} × {fmt(g)} / {fmt(v('denom'))} = {fmt(v('delta'))}")
    lines.append(f"p_{t} = p_{t - 1} + Δ = {fmt(p)} + {fmt(v('delta'))} = {fmt(v('p_after'))}")
    return lines


def _adam_lines(trace, v, h, t, g, p, decoupled, amsgrad, inner=False):
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
        lines.append(f"p = {fmt(p)} + {fmt(v('delta'))} = {fmt(v('p_after'))}")
    return lines


def explain_chain_rule(x: float) -> list[str]:
    """The seed's chain-rule example at x: d/dx f(g(x)) = f'(g(x)) × g'(x),
    with g(x) = x² + 3 and f(u) = u²."""
    g = x * x + 3.0
    f_prime = 2.0 * g
    g_prime = 2.0 * x
    return [
        f"g(x) = x² + 3 = {fmt(x)}² + 3 = {fmt(g)}",
        f"f(u) = u², so f(g(x)) = {fmt(g)}² = {fmt(g * g)}",
        f"f'(g(x)) = 2 × g(x) = 2 × {fmt(g)} = {fmt(f_prime)}",
        f"g'(x) = 2x = 2 × {fmt(x)} = {fmt(g_prime)}",
        f"d/dx f(g(x)) = f'(g(x)) × g'(x) = {fmt(f_prime)} × {fmt(g_prime)} = {fmt(f_prime * g_prime)}",
    ]


def explain_backprop(problem, w: np.ndarray, idx=None) -> list[str]:
    """The network's forward and backward pass at ``w`` on rows ``idx``: every term of
    the chain rule with its shape and norm, as in shared/MATH.md (correct, unlike the seed)."""
    b = problem.backprop(w, idx)

    def shape(a):
        return "×".join(map(str, np.shape(a)))

    def norm(a):
        return fmt(float(np.linalg.norm(a)))

    g = problem.views(b["grad"])
    act = problem.activation
    lines = [f"batch: {b['X0'].shape[0]} rows; activation φ = {act}", "forward:"]
    for key, formula in (("X0", "input"), ("H1", "X0 W1"), ("X1", "φ(H1)"), ("H2", "X1 W2"),
                         ("X2", "φ(H2)"), ("O", "X2 WO")):
        lines.append(f"  {key} = {formula:8s} [{shape(b[key])}]  ‖·‖ = {norm(b[key])}")
    lines.append(f"  loss l = (1/N) Σ (Y − O)² = {fmt(b['loss'])}")
    lines.append("backward (chain rule):")
    rows = (
        ("dO", "(2/N)(O − Y)", b["dO"]),
        ("dWO", "X2ᵀ dO", g["WO"]),
        ("dX2", "dO WOᵀ", b["dX2"]),
        ("dH2", "dX2 ⊙ φ'(H2)", b["dH2"]),
        ("dW2", "X1ᵀ dH2", g["W2"]),
        ("dX1", "dH2 W2ᵀ", b["dX1"]),
        ("dH1", "dX1 ⊙ φ'(H1)", b["dH1"]),
        ("dW1", "X0ᵀ dH1", g["W1"]),
    )
    for key, formula, value in rows:
        lines.append(f"  {key:4s}= {formula:14s} [{shape(value)}]  ‖·‖ = {norm(value)}")
    lines.append("so dl/dW1 = X0ᵀ [((2/N)(O − Y) WOᵀ ⊙ φ'(H2)) W2ᵀ ⊙ φ'(H1)]")
    return lines
