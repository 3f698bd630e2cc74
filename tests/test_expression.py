"""Your own function: the restricted grammar, exact symbolic gradients, clear errors."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdplay.engine import make_problem
from gdplay.engine.checks import gradient_check
from gdplay.engine.expression import ExpressionError, parse

EXPRESSIONS = [
    "x**2 + 3*sin(y)", "(x^2 + 3)^2", "exp(-x*x - y*y) * cos(3*x)", "log(1 + x**2 + y**2)",
    "sqrt(x*x + y*y + 1) - tanh(x - y)", "x / (1 + y**2)", "tan(x / 4) + abs(y - 0.3)",
    "2**x + x**y", "-x ** 2 + --y", "sin(cos(tan(x))) * 1.5e-1", "pi * x + e * y",
]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_symbolic_gradient_matches_finite_differences(text):
    p = make_problem("custom", expression=text, extent=2.0)
    rng = np.random.default_rng(1)
    for _ in range(4):
        w = rng.uniform(0.2, 1.5, p.dim)  # away from |y - 0.3| = 0 and log/sqrt edges
        errors = gradient_check(p, w)
        assert errors["all"] < 1e-6, (text, w, errors)


def test_precedence_and_associativity():
    assert parse("2**3**2").evaluate(0.0) == 512.0   # right-associative
    assert parse("-2**2").evaluate(0.0) == -4.0      # ** binds tighter than unary minus
    assert parse("1 - 2 - 3").evaluate(0.0) == -4.0
    assert parse("8 / 4 / 2").evaluate(0.0) == 1.0
    assert parse("2 * (3 + 4)").evaluate(0.0) == 14.0
    assert str(parse("(x + 1) * (y - 2)")) == "(x + 1) * (y - 2)"
    assert str(parse("x - (y - 1)")) == "x - (y - 1)"


def test_the_seed_chain_rule_example_derived_symbolically():
    p = make_problem("custom", expression="(x**2 + 3)**2")
    assert p.dim == 1 and p.kind == "1d"
    assert p.grad(np.array([1.0]))[0] == 16.0
    assert p.gradient_formula == "∂f/∂x = 2 * (x**2 + 3) * 2 * x"


@pytest.mark.parametrize("text,message,position", [
    ("x + ", "ends too early", 4),
    ("x + sin y", "needs its argument in parentheses", 8),
    ("x ** (y", "')' is missing", 7),
    ("2x", "unexpected 'x'", 1),
    ("import os", "unknown name 'import'", 0),
    ("x; y", "unexpected character ';'", 1),
    ("__class__", "unknown name '__class__'", 0),
    ("", "is empty", 0),
    ("x" * 301, "longer than 300", 0),
    ("1e999", "too large", 0),
    ("(" * 80 + "x" + ")" * 80, "nested too deeply", 60),
])
def test_bad_expressions_point_at_the_error(text, message, position):
    with pytest.raises(ExpressionError, match=re.escape(message)) as info:
        parse(text)
    assert info.value.position == position
    assert "^" in str(info.value)


def test_no_eval_anywhere_in_gdplay():
    root = Path(__file__).resolve().parent.parent / "gdplay"
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "eval(" not in source.replace("evaluate(", ""), path
        assert "exec(" not in source.replace(".exec(", ""), path


ALPHABET = "xy0123456789.+-*/^() sincotaexplgqrhb_e,;'\"[]{}=<>!@#$%&|~`\\"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_fuzzed_text_parses_or_is_refused_never_anything_else(text):
    try:
        tree = parse(text)
    except ExpressionError as exc:
        assert 0 <= exc.position <= len(text)
        return
    with np.errstate(all="ignore"):
        value = tree.evaluate(np.array([0.5, -1.0]), np.array([2.0, 0.0]))
        grads = [tree.diff(v).evaluate(0.3, 0.7) for v in ("x", "y")]
    assert np.shape(value) in ((), (2,))
    for g in grads:
        assert isinstance(float(g), float) or math.isnan(float(g))
