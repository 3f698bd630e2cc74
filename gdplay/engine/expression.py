"""Your own function: a restricted parser, exact symbolic derivatives, vectorized evaluation.

Grammar (nothing else is accepted, and nothing is ever passed to ``eval``)::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := ("+" | "-") unary | power
    power  := atom ("**" unary)?          (right-associative: 2**3**2 = 2**9)
    atom   := number | "x" | "y" | "pi" | "e" | func "(" expr ")" | "(" expr ")"
    func   := sin | cos | tan | exp | log | sqrt | tanh | abs

``^`` is accepted as a synonym of ``**``. Errors raise ExpressionError with the position
of the offending character; parentheses, function calls, signs and exponents nest at most
MAX_DEPTH levels (the parser recurses once a level). Everything else walks the tree without
recursion, so every expression of at most MAX_LENGTH characters is parsed, differentiated,
printed and evaluated, or refused with an ExpressionError (a ValueError).

Derivatives may hold sign(u) (d|u|) and the two sides of the power rule, printed as
``g * f**(g - 1)`` and ``f**g * log(f)``; they give torch.autograd's values where the textbook
formulas give 0 * inf (see :meth:`Expr.diff`).
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

# how tightly each operator binds, for printing; numbers, names and function calls bind tightest.
# powrule and powlog print as products (see Expr.diff)
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "powrule": 2, "powlog": 2, "neg": 3, "**": 4}


def _powrule(f, g, h):
    """g * f**h (h is g - 1), and 0 where g = 0 as torch's pow backward gives (not 0 * inf)."""
    with np.errstate(all="ignore"):  # the masked-out side is computed too
        return np.where(np.equal(g, 0.0), 0.0, np.multiply(g, np.power(f, h)))[()]


def _powlog(f, g):
    """f**g * log(f), and 0 where f = 0 and g >= 0 as torch's pow backward gives."""
    with np.errstate(all="ignore"):
        return np.where(np.equal(f, 0.0) & np.greater_equal(g, 0.0), 0.0,
                        np.multiply(np.power(f, g), np.log(f)))[()]


# what evaluates each op: NumPy ufuncs, so 0/0 and overflow give nan and inf as float64 does
_NUMPY = {"neg": np.negative, "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
          "**": np.power, "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp,
          "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh, "abs": np.absolute, "sign": np.sign,
          "powrule": _powrule, "powlog": _powlog}


@dataclass(frozen=True, eq=False, repr=False)
class Expr:
    """A node: op is "num", "var", "neg", "+", "-", "*", "/", "**" or a function name; a
    derivative may also hold "sign", "powrule" and "powlog" (see :meth:`diff`).

    Trees are walked without recursion: ``x*x*...*x`` within MAX_LENGTH is 150 levels deep and
    its derivative about twice that, more than Python's recursion limit allows for a recursive
    printer. Nodes compare by identity (a structural ``==`` would recurse).
    """

    op: str
    args: tuple = ()
    value: float = 0.0
    name: str = ""

    def _program(self) -> tuple[list["Expr"], list[tuple[int, ...]], list[tuple[int, ...]]]:
        """The distinct nodes of this tree, each after its arguments; for each node its
        arguments' places in that list, and the places of the arguments it is the last user of.
        Built once per root (nodes are immutable)."""
        program = self.__dict__.get("_program_cache")
        if program is not None:
            nodes, args, frees = program
            return [*nodes, self], args, frees
        order: list[Expr] = []
        place: dict[int, int] = {}
        stack: list[tuple[Expr, bool]] = [(self, False)]
        while stack:
            node, ready = stack.pop()
            if ready:
                place[id(node)] = len(order)
                order.append(node)
            elif id(node) not in place:
                place[id(node)] = -1  # seen; its arguments come first
                stack.append((node, True))
                stack.extend((arg, False) for arg in reversed(node.args))
        args = [tuple(place[id(arg)] for arg in node.args) for node in order]
        last_use = {j: i for i, idx in enumerate(args) for j in idx}
        frees: list[list[int]] = [[] for _ in order]
        for j, i in last_use.items():
            frees[i].append(j)
        program = (order, args, [tuple(f) for f in frees])
        # kept without this node itself (the last): a cycle would leave trees to the garbage
        # collector
        object.__setattr__(self, "_program_cache", (order[:-1], args, program[2]))
        return program

    def _fold(self, combine):
        """``combine(node, [results of its args])`` over the tree, arguments first, each
        distinct node once; a result is let go after its last use."""
        order, args, frees = self._program()
        results: list = [None] * len(order)
        for i, node in enumerate(order):
            results[i] = combine(node, [results[j] for j in args[i]])
            for j in frees[i]:
                results[j] = None
        return results[-1]

    # evaluation (vectorized: x and y may be arrays)
    def evaluate(self, x, y=0.0):
        """The value at (x, y), in float64 (0/0 and overflow give nan and inf, never Python's
        ZeroDivisionError or OverflowError), by NumPy ufuncs in the order of :meth:`_program`;
        an intermediate array is let go after its last use (grids are large)."""
        steps = self.__dict__.get("_steps_cache")
        if steps is None:
            steps = self._compile()
        values, x_places, y_places, calls = steps
        values = values.copy()
        for i in x_places:
            values[i] = x
        for i in y_places:
            values[i] = y
        for i, fn, idx, free in calls:
            values[i] = fn(*[values[j] for j in idx])
            for j in free:
                values[j] = None
        return values[-1]

    def _compile(self):
        order, args, frees = self._program()
        values: list = [None] * len(order)
        x_places, y_places, calls = [], [], []
        for i, node in enumerate(order):
            if node.op == "num":
                values[i] = np.float64(node.value)
            elif node.op == "var":
                (x_places if node.name == "x" else y_places).append(i)
            else:
                calls.append((i, _NUMPY[node.op], args[i], frees[i]))
        steps = (values, tuple(x_places), tuple(y_places), tuple(calls))
        object.__setattr__(self, "_steps_cache", steps)
        return steps

    def variables(self) -> set[str]:
        return {node.name for node in self._program()[0] if node.op == "var"}

    # symbolic derivative, simplified as it is built
    def diff(self, v: str) -> "Expr":
        """d/dv of this expression, with torch.autograd's values where the textbook formula
        gives 0 * inf: d|u| = sign(u) du (0 at 0), and d(f**g) is

            g * f**(g - 1) * f'             when g does not depend on v (powrule: 0 where g = 0)
          + g' * f**g * log(f)              when it does (powlog: 0 where f = 0 and g >= 0)

        so x**y, x**(1+1) and x^2^3 have d/dx = 0 at x = 0 (f**g * g * f'/f would be nan)."""
        return self._fold(lambda node, d: node._derivative(v, d))

    def _derivative(self, v: str, d: list["Expr"]) -> "Expr":
        op, a = self.op, self.args
        if op == "num":
            return NUM(0.0)
        if op == "var":
            return NUM(1.0 if self.name == v else 0.0)
        if op == "neg":
            return neg(d[0])
        if op in ("+", "-"):
            return binary(op, d[0], d[1])
        if op == "*":
            return add(mul(d[0], a[1]), mul(a[0], d[1]))
        if op == "/":  # (f'g - fg') / g^2
            return div(sub(mul(d[0], a[1]), mul(a[0], d[1])), power(a[1], NUM(2.0)))
        if op == "**":
            return _power_derivative(a[0], a[1], d[0], d[1])
        if op == "sign":  # torch: sign' = 0
            return NUM(0.0)
        if op == "powrule":  # d(g * f**h)
            f, g, h = a
            df, dg, dh = d
            return add(mul(dg, power(f, h)), mul(g, _power_derivative(f, h, df, dh)))
        if op == "powlog":  # d(f**g * log(f))
            f, g = a
            df, dg = d
            return add(mul(_power_derivative(f, g, df, dg), func("log", f)),
                       mul(power(f, g), div(df, f)))
        inner = a[0]
        outer = {
            "sin": lambda u: func("cos", u),
            "cos": lambda u: neg(func("sin", u)),
            "tan": lambda u: div(NUM(1.0), power(func("cos", u), NUM(2.0))),
            "exp": lambda u: func("exp", u),
            "log": lambda u: div(NUM(1.0), u),
            "sqrt": lambda u: div(NUM(1.0), mul(NUM(2.0), func("sqrt", u))),
            "tanh": lambda u: sub(NUM(1.0), power(func("tanh", u), NUM(2.0))),
            "abs": lambda u: func("sign", u),
        }[op](inner)
        return mul(outer, d[0])

    # printing, with only the parentheses that are needed
    def __str__(self) -> str:
        return self._fold(Expr._text)

    def __repr__(self) -> str:
        return f"Expr({str(self)!r})"

    def __copy__(self):  # immutable: a copy is the node itself (and deepcopy would recurse)
        return self

    def __deepcopy__(self, memo):
        return self

    def _text(self, s: list[str]) -> str:
        op, a = self.op, self.args
        if op == "num":
            v = self.value
            return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
        if op == "var":
            return self.name
        if op in FUNCTIONS or op == "sign":
            return f"{op}({s[0]})"
        if op == "neg":
            return f"-{_wrap('neg', a[0], s[0])}"
        if op == "powrule":  # g * f**h
            f_to_h = f"{_wrap('**', a[0], s[0])}**{_wrap('**', a[2], s[2], True)}"
            return f"{_wrap('*', a[1], s[1])} * {f_to_h}"
        if op == "powlog":  # f**g * log(f)
            return f"{_wrap('**', a[0], s[0])}**{_wrap('**', a[1], s[1], True)} * log({s[0]})"
        sep = "**" if op == "**" else f" {op} "
        return f"{_wrap(op, a[0], s[0])}{sep}{_wrap(op, a[1], s[1], True)}"


def _wrap(op: str, child: Expr, text: str, right: bool = False) -> str:
    """``text`` (the printed ``child``), in parentheses where ``op`` binds more tightly."""
    p = _PRECEDENCE[op]
    q = _PRECEDENCE.get(child.op, 5)
    needs = q < p or (q == p and (right and op in ("-", "/") or (op == "**" and not right)))
    if child.op == "num" and child.value < 0:
        needs = True
    return f"({text})" if needs else text


def _power_derivative(f: Expr, g: Expr, df: Expr, dg: Expr) -> Expr:
    """d(f**g) from f, g and their derivatives df, dg (see Expr.diff)."""
    if _is(dg, 0.0):  # the exponent does not depend on v
        if _is(df, 0.0):
            return NUM(0.0)
        c = _constant(g)
        if c is not None:  # c f^(c-1) f'
            if c == 0.0:
                return NUM(0.0)  # f**0 = 1
            return mul(mul(NUM(c), power(f, NUM(c - 1.0))), df)
        return mul(Expr("powrule", (f, g, _minus_one(g))), df)
    by_exponent = mul(dg, Expr("powlog", (f, g)))
    if _is(df, 0.0):
        return by_exponent
    return add(mul(Expr("powrule", (f, g, _minus_one(g))), df), by_exponent)


def _constant(g: Expr) -> float | None:
    """g's value if it is a number, or has no variables and prints short (x**(1+1) -> 2 * x;
    x**(1/3) keeps 1 / 3 rather than 0.3333333333333333); None otherwise."""
    if g.op == "num":
        return g.value
    if g.variables():
        return None
    with np.errstate(all="ignore"):
        value = float(g.evaluate(0.0, 0.0))
    return value if math.isfinite(value) and len(str(NUM(value))) <= 8 else None


def _minus_one(g: Expr) -> Expr:
    """g - 1, short where g ends in a number: y + 1 -> y, y - 1 -> y - 2, 2 * y -> 2 * y - 1."""
    if g.op in ("+", "-") and g.args[1].op == "num":
        c = (g.args[1].value if g.op == "+" else -g.args[1].value) - 1.0
        return add(g.args[0], NUM(c)) if c >= 0 else sub(g.args[0], NUM(-c))
    return sub(g, NUM(1.0))


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
            self.fail(f"the expression is nested too deeply (at most {MAX_DEPTH} levels)")

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
