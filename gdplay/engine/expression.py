"""Your own function: a restricted parser, exact symbolic derivatives, vectorized evaluation.

Grammar (nothing else is accepted, and nothing is ever passed to ``eval``)::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := ("+" | "-") unary | power
    power  := atom ("**" unary)?          (right-associative: 2**3**2 = 2**9)
    atom   := number | "x" | "y" | "pi" | "e" | func "(" expr ")" | "(" expr ")"
    func   := sin | cos | tan | exp | log | sqrt | tanh | abs

``^`` is accepted as a synonym of ``**``. Errors raise ExpressionError with the position
of the offending character.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["ExpressionError", "Expr", "parse", "MAX_LENGTH", "FUNCTIONS"]

MAX_LENGTH = 300
MAX_DEPTH = 60
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "abs")
_CONSTANTS = {"pi": math.pi, "e": math.e}
_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*)|(\*\*|\^|[-+*/()]))")


class ExpressionError(ValueError):
    """A bad expression; ``position`` is the index of the offending character."""

    def __init__(self, message: str, text: str, position: int):
        self.position = position
        self.text = text
        pointer = " " * position + "^"
        super().__init__(f"{message} at character {position + 1}:\n  {text}\n  {pointer}")


# --- the tree -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expr:
    """A node: op is "num", "var", "neg", "+", "-", "*", "/", "**" or a function name."""

    op: str
    args: tuple = ()
    value: float = 0.0
    name: str = ""

    # evaluation (vectorized: x and y may be arrays)
    def evaluate(self, x, y=0.0):
        # NumPy ufuncs throughout: 0/0 and overflow give nan and inf (as float64 does), never
        # Python's ZeroDivisionError or OverflowError
        op = self.op
        if op == "num":
            return np.float64(self.value)
        if op == "var":
            return x if self.name == "x" else y
        a = [arg.evaluate(x, y) for arg in self.args]
        if op == "neg":
            return np.negative(a[0])
        if op == "+":
            return np.add(a[0], a[1])
        if op == "-":
            return np.subtract(a[0], a[1])
        if op == "*":
            return np.multiply(a[0], a[1])
        if op == "/":
            return np.divide(a[0], a[1])
        if op == "**":
            return np.power(a[0], a[1])
        return getattr(np, "absolute" if op == "abs" else op)(a[0])

    def variables(self) -> set[str]:
        if self.op == "var":
            return {self.name}
        out: set[str] = set()
        for arg in self.args:
            out |= arg.variables()
        return out

    # symbolic derivative, simplified as it is built
    def diff(self, v: str) -> "Expr":
        op, a = self.op, self.args
        if op == "num":
            return NUM(0.0)
        if op == "var":
            return NUM(1.0 if self.name == v else 0.0)
        if op == "neg":
            return neg(a[0].diff(v))
        if op in ("+", "-"):
            return binary(op, a[0].diff(v), a[1].diff(v))
        if op == "*":
            return add(mul(a[0].diff(v), a[1]), mul(a[0], a[1].diff(v)))
        if op == "/":  # (f'g - fg') / g^2
            return div(sub(mul(a[0].diff(v), a[1]), mul(a[0], a[1].diff(v))), power(a[1], NUM(2.0)))
        if op == "**":
            base, exponent = a
            if exponent.op == "num":  # d(f^c) = c f^(c-1) f'
                return mul(mul(NUM(exponent.value), power(base, NUM(exponent.value - 1.0))), base.diff(v))
            # d(f^g) = f^g (g' ln f + g f'/f)
            return mul(self, add(mul(exponent.diff(v), func("log", base)),
                                 div(mul(exponent, base.diff(v)), base)))
        inner = a[0]
        d_inner = inner.diff(v)
        outer = {
            "sin": lambda u: func("cos", u),
            "cos": lambda u: neg(func("sin", u)),
            "tan": lambda u: div(NUM(1.0), power(func("cos", u), NUM(2.0))),
            "exp": lambda u: func("exp", u),
            "log": lambda u: div(NUM(1.0), u),
            "sqrt": lambda u: div(NUM(1.0), mul(NUM(2.0), func("sqrt", u))),
            "tanh": lambda u: sub(NUM(1.0), power(func("tanh", u), NUM(2.0))),
            "abs": lambda u: div(u, func("abs", u)),  # sign(u); undefined at 0
        }[op](inner)
        return mul(outer, d_inner)

    # printing, with only the parentheses that are needed
    _PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}

    def __str__(self) -> str:
        op = self.op
        if op == "num":
            v = self.value
            return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
        if op == "var":
            return self.name
        if op in FUNCTIONS:
            return f"{op}({self.args[0]})"
        p = self._PRECEDENCE[op]

        def wrap(e: "Expr", right: bool = False) -> str:
            q = e._PRECEDENCE.get(e.op, 5)
            needs = q < p or (q == p and (right and op in ("-", "/") or (op == "**" and not right)))
            if e.op == "num" and e.value < 0:
                needs = True
            return f"({e})" if needs else str(e)
        if op == "neg":
            return f"-{wrap(self.args[0])}"
        left, right = self.args
        sep = "**" if op == "**" else f" {op} "
        return f"{wrap(left)}{sep}{wrap(right, True)}"


def NUM(v: float) -> Expr:  # noqa: N802 - a constructor
    return Expr("num", value=float(v))


def _is(e: Expr, v: float) -> bool:
    return e.op == "num" and e.value == v


def neg(a: Expr) -> Expr:
    if a.op == "num":
        return NUM(-a.value)
    if a.op == "neg":
        return a.args[0]
    return Expr("neg", (a,))


def add(a: Expr, b: Expr) -> Expr:
    if _is(a, 0.0):
        return b
    if _is(b, 0.0):
        return a
    if a.op == "num" and b.op == "num":
        return NUM(a.value + b.value)
    return Expr("+", (a, b))


def sub(a: Expr, b: Expr) -> Expr:
    if _is(b, 0.0):
        return a
    if _is(a, 0.0):
        return neg(b)
    if a.op == "num" and b.op == "num":
        return NUM(a.value - b.value)
    return Expr("-", (a, b))


def mul(a: Expr, b: Expr) -> Expr:
    if _is(a, 0.0) or _is(b, 0.0):
        return NUM(0.0)
    if _is(a, 1.0):
        return b
    if _is(b, 1.0):
        return a
    if a.op == "num" and b.op == "num":
        return NUM(a.value * b.value)
    return Expr("*", (a, b))


def div(a: Expr, b: Expr) -> Expr:
    if _is(a, 0.0):
        return NUM(0.0)
    if _is(b, 1.0):
        return a
    return Expr("/", (a, b))


def power(a: Expr, b: Expr) -> Expr:
    if _is(b, 1.0):
        return a
    if _is(b, 0.0):
        return NUM(1.0)
    return Expr("**", (a, b))


def binary(op: str, a: Expr, b: Expr) -> Expr:
    return {"+": add, "-": sub, "*": mul, "/": div, "**": power}[op](a, b)


def func(name: str, a: Expr) -> Expr:
    return Expr(name, (a,))


# --- the parser -----------------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []  # (kind, text, position)
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                bad = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
                raise ExpressionError(f"unexpected character {text[bad]!r}", text, bad)
            start = m.start(m.lastindex)
            kind = ("num", "name", "op")[m.lastindex - 1]
            tok = m.group(m.lastindex)
            self.tokens.append((kind, "**" if tok == "^" else tok, start))
            pos = m.end()
        self.i = 0
        self.depth = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "", len(self.text))

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def fail(self, message: str, position: int | None = None):
        raise ExpressionError(message, self.text, self.peek()[2] if position is None else position)

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail("the expression is nested too deeply")

    def expr(self) -> Expr:
        self.nest()
        node = self.term()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            op = self.take()[1]
            node = Expr(op, (node, self.term()))
        self.depth -= 1
        return node

    def term(self) -> Expr:
        node = self.unary()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            op = self.take()[1]
            node = Expr(op, (node, self.unary()))
        return node

    def unary(self) -> Expr:
        kind, tok, _ = self.peek()
        if kind == "op" and tok in ("+", "-"):
            self.take()
            self.nest()
            inner = self.unary()
            self.depth -= 1
            return inner if tok == "+" else Expr("neg", (inner,))
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        if self.peek()[1] == "**":
            self.take()
            self.nest()
            exponent = self.unary()
            self.depth -= 1
            return Expr("**", (base, exponent))
        return base

    def atom(self) -> Expr:
        kind, tok, pos = self.take()
        if kind == "num":
            value = float(tok)
            if not math.isfinite(value):
                self.fail(f"the number {tok} is too large", pos)
            return NUM(value)
        if kind == "name":
            if tok in ("x", "y"):
                return Expr("var", name=tok)
            if tok in _CONSTANTS:
                return NUM(_CONSTANTS[tok])
            if tok in FUNCTIONS:
                if self.peek()[1] != "(":
                    self.fail(f"{tok} needs its argument in parentheses, e.g. {tok}(x)")
                self.take()
                arg = self.expr()
                if self.peek()[1] != ")":
                    self.fail("a ')' is missing")
                self.take()
                return Expr(tok, (arg,))
            self.fail(f"unknown name {tok!r}; use x, y, pi, e and {', '.join(FUNCTIONS)}", pos)
        if tok == "(":
            inner = self.expr()
            if self.peek()[1] != ")":
                self.fail("a ')' is missing")
            self.take()
            return inner
        if kind == "end":
            self.fail("the expression ends too early", pos)
        self.fail(f"unexpected {tok!r}", pos)


def parse(text: str) -> Expr:
    """Parse ``text`` with the grammar above; ExpressionError (a ValueError) otherwise."""
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text", "", 0)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters", text[:40], 0)
    if not text.strip():
        raise ExpressionError("the expression is empty", text, 0)
    p = _Parser(text)
    node = p.expr()
    if p.peek()[0] != "end":
        p.fail(f"unexpected {p.peek()[1]!r}")
    return node
