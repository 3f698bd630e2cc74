"""Typed, range-checked settings: one description serves validation, the CLI and the UI.

A :class:`Param` knows its type, default and allowed range; :meth:`Param.check` turns a
value into the right type or raises ValueError naming the value and the allowed range;
:meth:`Param.parse` reads it from text (the CLI, config files) without ``eval``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Param", "check_all"]

_SHOWN_CHARS = 40  # of a refused value, in its message


@dataclass(frozen=True)
class Param:
    """One setting.

    ``type`` is one of "float", "int", "bool", "choice", "pair" (two floats, e.g. betas),
    "ints" (a tuple of ints, e.g. hidden sizes), "text" (at most ``length`` characters). ``lo``/``hi`` bound numbers (each
    inclusive unless ``lo_open``/``hi_open``); ``optional`` allows None.
    """

    name: str
    type: str
    default: object
    help: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple = ()
    optional: bool = False
    length: int | None = None  # for "ints"

    def range_text(self) -> str:
        """The allowed values, in words, e.g. ``[0, 1)`` or ``one of sgd, adam``."""
        if self.type == "choice":
            return "one of " + ", ".join(map(str, self.choices))
        if self.type == "bool":
            return "true or false"
        if self.type == "text":
            return f"a text of at most {self.length or 1000} characters"
        if self.lo is None and self.hi is None:
            text = "any finite number"
        else:
            left = "(" if self.lo_open else "["
            right = ")" if self.hi_open else "]"
            lo = "-inf" if self.lo is None else f"{self.lo:g}"
            hi = "inf" if self.hi is None else f"{self.hi:g}"
            if self.hi is None:
                right = ")"
            text = f"{left}{lo}, {hi}{right}"
        if self.type == "pair":
            text = f"two numbers, each in {text}"
        elif self.type == "ints":
            text = f"{self.length or 'some'} integers, each in {text}"
        if self.optional:
            text += " or none"
        return text

    def _in_range(self, x: float) -> bool:
        try:
            if not math.isfinite(x):
                return False
        except OverflowError:  # an int beyond float's range: beyond any bound we set
            return False
        if self.lo is not None and (x <= self.lo if self.lo_open else x < self.lo):
            return False
        if self.hi is not None and (x >= self.hi if self.hi_open else x > self.hi):
            return False
        return True

    def _fail(self, value, owner: str):
        where = f"{owner} " if owner else ""
        shown = repr(value)
        if len(shown) > _SHOWN_CHARS:  # a 400-digit number typed in: say which, briefly
            shown = shown[:_SHOWN_CHARS - 1] + "…"
        raise ValueError(f"{where}{self.name} = {shown} is not allowed: must be {self.range_text()}")

    def check(self, value, owner: str = ""):
        """``value`` converted to this parameter's type; ValueError if it is not allowed."""
        original = value
        if value is None:
            if self.optional:
                return None
            self._fail(value, owner)
        t = self.type
        if t == "bool":
            if isinstance(value, bool):
                return value
            self._fail(value, owner)
        if t == "text":
            if isinstance(value, str) and len(value) <= (self.length or 1000):
                return value
            self._fail(value, owner)
        if t == "choice":
            if value in self.choices:
                return value
            self._fail(value, owner)
        if t in ("pair", "ints"):
            try:
                items = tuple(value)
            except TypeError:
                self._fail(value, owner)
            n = 2 if t == "pair" else self.length
            if n is not None and len(items) != n:
                self._fail(value, owner)
            out = []
            for item in items:
                if isinstance(item, bool) or not isinstance(item, (int, float)):
                    self._fail(value, owner)
                if t == "ints" and not _is_integral(item):
                    self._fail(value, owner)
                try:
                    x = float(item) if t == "pair" else int(item)
                except OverflowError:
                    self._fail(value, owner)
                if not self._in_range(x):
                    self._fail(value, owner)
                out.append(x)
            return tuple(out)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._fail(value, owner)
        if t == "int":
            if not _is_integral(value):
                self._fail(original, owner)
            value = int(value)
        else:
            try:
                value = float(value)
            except OverflowError:  # an int beyond float's range
                self._fail(original, owner)
        if not self._in_range(value):
            self._fail(original, owner)
        return value

    def parse(self, text: str, owner: str = ""):
        """Read a value from ``text`` (no eval): numbers, true/false, none, ``a/b`` tuples."""
        if self.type == "text":
            return self.check(text, owner)
        s = text.strip()
        if self.optional and s.lower() in ("none", "null", ""):
            return None
        if self.type == "bool":
            low = s.lower()
            if low in ("true", "yes", "1", "on"):
                return True
            if low in ("false", "no", "0", "off"):
                return False
            self._fail(text, owner)
        if self.type == "choice":
            return self.check(s, owner)
        if self.type in ("pair", "ints"):
            parts = [p for p in s.strip("()[]").replace(",", "/").replace("x", "/").split("/")
                     if p.strip()]
            conv = float if self.type == "pair" else int
            try:
                return self.check(tuple(conv(p) for p in parts), owner)
            except ValueError:
                self._fail(text, owner)
        try:
            number = int(s) if self.type == "int" else float(s)
        except ValueError:
            self._fail(text, owner)
        return self.check(number, owner)


def _is_integral(value) -> bool:
    """An int, or a finite float with no fraction; never raises (a huge int is integral)."""
    if isinstance(value, int):
        return True
    return math.isfinite(value) and value == int(value)


def check_all(params: tuple[Param, ...], values: dict, owner: str) -> dict:
    """Defaults overlaid with ``values``, each checked; unknown names raise ValueError."""
    known = {p.name: p for p in params}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"{owner} has no setting {', '.join(map(repr, unknown))}; "
                         f"its settings are: {', '.join(known)}")
    out = {}
    for p in params:
        out[p.name] = p.check(values[p.name], owner) if p.name in values else p.default
    return out
