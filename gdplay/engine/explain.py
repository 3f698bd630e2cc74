"""One step of one parameter, written out with the numbers the step used.

``explain_step(trace, i)`` turns a :class:`StepTrace` into lines such as::

    m_3 = β1 × m_2 + (1 − β1) × g = 0.9 × (-0.12) + 0.1 × (-2.3) = -0.338

Every number comes from the trace (the values the update used); nothing is recomputed
except the arithmetic shown on the right of the last "=", which is the trace's own value.
"""

from __future__ import annotations

import numpy as np

from .optimizers import Formula, StepTrace, fmt, optimizer_spec

__all__ = ["explain_step", "explain_chain_rule", "explain_backprop", "fmt"]


def explain_step(trace: StepTrace, i: int = 0) -> list[str]:
    """The update of parameter ``i`` at step ``trace.t``, one formula a line: the step, the
    gradient, the optimizer's own lines (its ``formula_lines``) and the new parameter."""
    unit = optimizer_spec(trace.optimizer).cls
    f = Formula(trace, i)
    lines = [f"step t = {trace.t}, lr = {fmt(trace.lr)}" + (f", {trace.phase}" if trace.phase else ""),
             f"g = ∂L/∂p[{i}] = {fmt(f.g)}"]
    lines += unit.formula_lines(f)
    last = unit.formula_result(f)
    return lines if last is None else lines + [last]


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
