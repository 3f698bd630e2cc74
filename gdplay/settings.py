"""Run settings read from JSON (CLI configs, lessons, session files): checked field by
field, no eval.

Every error is a SettingsError (a ValueError) whose message names the file or the field.
Files are read only if they are regular files no larger than the caller's limit, and the
JSON in them is refused when it nests deeper than :data:`MAX_DEPTH` levels, holds a whole
number of more than :data:`MAX_INT_DIGITS` digits, or (unless allowed) NaN or Infinity:
whatever a file holds, reading it either gives plain JSON values or a SettingsError.
"""

from __future__ import annotations

import json
import math
import os
import stat
import unicodedata
from pathlib import Path

import numpy as np

from .engine.optimizers import optimizer_spec
from .engine.params import Param
from .engine.problems import problem_names, problem_spec
from .engine.schedules import SCHEDULES
from .engine.session import MAX_NAME as ENGINE_MAX_NAME

__all__ = ["SettingsError", "read_bytes", "parse_json", "read_json", "json_depth_exceeds",
           "expect", "expect_int", "expect_number",
           "check_text", "check_options", "check_hparams", "check_schedule",
           "MAX_DEPTH", "MAX_INT_DIGITS", "MAX_INT",
           "MAX_STEP", "MAX_NAME", "MAX_LANES"]

# Limits on what a file may hold (generous for any file the app or a person writes)
MAX_DEPTH = 20              # nesting of [ and {: a session file needs 8
MAX_INT_DIGITS = 20         # a whole number in the JSON text (floats are written with a point)
MAX_INT = 2_000_000_000     # a whole-number setting (seed, inner_steps...): the window's spin boxes
MAX_STEP = 10 ** 9          # a step count or step number
MAX_NAME = ENGINE_MAX_NAME  # characters of a lane name (the engine's names keep within it)
MAX_LANES = 64              # lanes in one file


class SettingsError(ValueError):
    """A bad file or field; the message says which and why."""


class _Refused(Exception):
    """Raised from inside json.loads by the number hooks; made a SettingsError outside."""


# --- reading a file ----------------------------------------------------------------------

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_BINARY", 0))


def _os_error(exc: OSError) -> str:
    """An OSError in a few honest words."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a file"
    return exc.strerror or str(exc)


def _kind_error(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "it is a folder, not a file"
    return "it is not a regular file (a device, pipe or socket)"


def read_bytes(path: str | Path, max_bytes: int, what: str = "config") -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    A pipe, device or folder is refused before it is read (a FIFO would block, /dev/zero
    never ends): the path is checked with stat, then opened without blocking and checked
    again on the open file (it may have been swapped in between)."""
    try:
        kind = _kind_error(os.stat(path).st_mode)
        if kind:
            raise SettingsError(f"cannot read {what} {path}: {kind}")
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise SettingsError(f"cannot read {what} {path}: {_os_error(exc)}") from None
    try:
        info = os.fstat(fd)
        kind = _kind_error(info.st_mode)
        if kind:
            raise SettingsError(f"cannot read {what} {path}: {kind}")
        if info.st_size > max_bytes:
            raise SettingsError(f"{what} {path} is too large ({info.st_size} bytes; "
                                f"at most {max_bytes})")
        chunks, total = [], 0
        while total <= max_bytes:  # at most max_bytes + 1, whatever the size said
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise SettingsError(f"cannot read {what} {path}: {_os_error(exc)}") from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise SettingsError(f"{what} {path} is too large (more than {max_bytes} bytes)")
    return b"".join(chunks)


_DEPTH_CHUNK = 1 << 20
_BRACKETS = np.zeros(256, dtype=np.int8)
_BRACKETS[[ord("["), ord("{")]] = 1
_BRACKETS[[ord("]"), ord("}")]] = -1
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')


def json_depth_exceeds(data: bytes, limit: int) -> bool:
    """True if the JSON text ``data`` nests [ and { deeper than ``limit`` levels (brackets
    inside strings do not count). Run before json.loads, which recurses once per level.

    Escapes go first, as JSON reads them, left to right: escaped backslashes, then escaped
    quotes. Of the rest only quotes and brackets are kept (UTF-8 never uses these bytes
    inside a multi-byte character), and the depth is counted outside strings, in chunks:
    linear time and bounded memory whatever ``data`` holds. For text that is not JSON the
    count is exact up to where json.loads would stop."""
    if b"\\" in data:  # (a fast search: most files have no escapes at all)
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = np.frombuffer(data.translate(None, _NOT_STRUCTURE), dtype=np.uint8)
    depth, in_string = 0, 0
    for start in range(0, marks.size, _DEPTH_CHUNK):
        c = marks[start:start + _DEPTH_CHUNK]
        kind = _BRACKETS[c]
        quote = c == 34
        if quote.any():
            quotes = np.cumsum(quote, dtype=np.int64) + in_string
            kind[quotes % 2 == 1] = 0  # inside a string (a quote itself is no bracket)
            in_string = int(quotes[-1] % 2)
        elif in_string:
            continue  # the whole chunk is inside one string
        levels = np.cumsum(kind, dtype=np.int64) + depth
        if levels.max() > limit:
            return True
        depth = int(levels[-1])
    return False


def _parse_int(text: str) -> int:
    if len(text) - text.startswith("-") > MAX_INT_DIGITS:
        raise _Refused(f"a whole number has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _refuse_constant(name: str):
    raise _Refused(f"{name} is not allowed (numbers must be finite)")


def _parse_finite_float(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise _Refused(f"the number {text[:30]} is too large for a float")
    return x


def parse_json(data: bytes, where: str, allow_non_finite: bool = False):
    """The JSON value in ``data``; SettingsError (saying ``where``) if it is not JSON or
    breaks a limit of this module. NaN and Infinity (and numbers too large for a float)
    are refused unless ``allow_non_finite`` (session files hold the NaN of a diverged
    lane: each of their fields says whether it may be non-finite)."""
    if json_depth_exceeds(data, MAX_DEPTH):
        raise SettingsError(f"{where} is not valid here: it nests deeper than {MAX_DEPTH} levels")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{where} is not valid JSON: not UTF-8 text "
                            f"(byte {data[exc.start]:#04x} at {exc.start})") from None
    if text.startswith("\ufeff"):  # a byte order mark, as some editors write
        text = text[1:]
    hooks = {"parse_int": _parse_int}
    if not allow_non_finite:
        hooks.update(parse_constant=_refuse_constant, parse_float=_parse_finite_float)
    try:
        return json.loads(text, **hooks)
    except _Refused as exc:
        raise SettingsError(f"{where} is not valid here: {exc}") from None
    except RecursionError:  # the depth check makes this unlikely; never a crash
        raise SettingsError(f"{where} is not valid here: it nests too deeply") from None
    except ValueError as exc:  # JSONDecodeError is one
        raise SettingsError(f"{where} is not valid JSON: {exc}") from None


def read_json(path: str | Path, max_bytes: int, what: str = "config", *,
              allow_non_finite: bool = False):
    """The JSON in the regular file ``path``, refusing files over ``max_bytes``, anything
    not JSON, and JSON beyond this module's limits (see :func:`parse_json`)."""
    return parse_json(read_bytes(path, max_bytes, what), f"{what} {path}", allow_non_finite)


# --- checking values -----------------------------------------------------------------------

def expect(value, kind, field: str, where: str = "config"):
    """``value`` if it is of ``kind`` (bools are not numbers); SettingsError otherwise."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise SettingsError(f"{where}: {field} must be a {names}, got {type(value).__name__}")
    return value


def expect_int(value, field: str, where: str, lo: int = 0, hi: int = MAX_STEP) -> int:
    """A whole number (not a bool, not a float) from ``lo`` to ``hi``."""
    expect(value, int, field, where)
    if not lo <= value <= hi:
        raise SettingsError(f"{where}: {field} must be from {lo} to {hi}, got {value}")
    return value


def expect_number(value, field: str, where: str, finite: bool = True) -> float:
    """An int or float (not a bool) as a float; finite unless ``finite`` is False."""
    expect(value, (int, float), field, where)
    x = float(value)  # JSON ints have at most MAX_INT_DIGITS digits: no overflow
    if finite and not math.isfinite(x):
        raise SettingsError(f"{where}: {field} must be a finite number, got {value!r}")
    return x


# characters refused in texts: control characters, lone surrogates (which cannot be
# written as UTF-8), and line and paragraph separators
_BAD_CATEGORIES = frozenset(("Cc", "Cs", "Zl", "Zp"))


def check_text(value, field: str, where: str, max_chars: int, *, multiline: bool = False,
               required: bool = False) -> str:
    """A text of at most ``max_chars`` characters with no control characters (a line
    break and a tab allowed if ``multiline``); non-empty if ``required``."""
    expect(value, str, field, where)
    if len(value) > max_chars:
        raise SettingsError(f"{where}: {field} is {len(value)} characters long "
                            f"(at most {max_chars})")
    if required and not value.strip():
        raise SettingsError(f"{where}: {field} must be a non-empty text")
    for ch in set(value):
        if unicodedata.category(ch) in _BAD_CATEGORIES and not (multiline and ch in "\n\t"):
            raise SettingsError(f"{where}: {field} holds a control character (U+{ord(ch):04X})")
    return value


def _check_param(p: Param, value, owner: str, field: str, where: str):
    """``p.check`` as a SettingsError (after ``field``: the object holding the setting;
    the check's message names the setting), and whole numbers kept within MAX_INT."""
    if p.type == "int" and isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(value) and abs(value) > MAX_INT:
        raise SettingsError(f"{where}: {field}: {owner} {p.name} = {value!r} is not allowed: "
                            f"at most {MAX_INT}")
    if p.type == "text":
        check_text(value, f"{field}.{p.name}", where, p.length or 1000)
    try:
        return p.check(value, owner)
    except (ValueError, TypeError, OverflowError) as exc:
        raise SettingsError(f"{where}: {field}: {exc}") from None


def _all_option_params() -> dict[str, Param]:
    """Every problem option by name (an option of one name is the same in every problem)."""
    out: dict[str, Param] = {}
    for name in problem_names():
        for p in problem_spec(name).options:
            out.setdefault(p.name, p)
    return out


def check_options(problem: str | None, options, field: str, where: str) -> dict:
    """Problem options, each checked by its Param (the problem's if known, else the
    option of that name in any problem); the checked values (e.g. lists made tuples)."""
    expect(options, dict, field, where)
    if problem is not None:
        try:
            spec = problem_spec(problem)
        except ValueError as exc:
            raise SettingsError(f"{where}: {exc}") from None
        params = {p.name: p for p in spec.options}
        owner = f"problem {problem}"
    else:
        params = _all_option_params()
        owner = "problem"
    return _check_named(options, params, owner, "option", sorted(params), field, where)


def check_hparams(optimizer: str, hparams, at: str, where: str, field: str | None = None) -> dict:
    """Hyperparameters given for ``optimizer`` in ``at`` (e.g. "lanes[0]"; the object
    itself is ``field``, by default at.hparams): each checked by its Param (unknown names
    refused); the checked values. Checks across settings are the optimizer's."""
    expect(hparams, dict, field or f"{at}.hparams", where)
    try:
        spec = optimizer_spec(optimizer)
    except ValueError as exc:
        raise SettingsError(f"{where}: {exc}") from None
    params = {p.name: p for p in spec.params}
    return _check_named(hparams, params, optimizer, "setting", list(params), at, where)


def _check_named(values: dict, params: dict, owner: str, noun: str, listed: list,
                 at: str, where: str) -> dict:
    """Each of ``values`` checked by the Param of its name; an unknown name is refused
    with the names ``listed``."""
    out = {}
    for key, value in values.items():
        if key not in params:
            raise SettingsError(f"{where}: {at}: {owner} has no {noun} {key!r}; its "
                                f"{noun}s are: {', '.join(listed)}")
        out[key] = _check_param(params[key], value, owner, at, where)
    return out


def check_schedule(value, field: str, where: str) -> dict | None:
    """None or a schedule ``{"kind": name, settings...}``, every setting checked."""
    if value is None:
        return None
    expect(value, dict, field, where)
    kind = value.get("kind", "constant")
    if not isinstance(kind, str) or kind not in SCHEDULES:
        raise SettingsError(f"{where}: {field}.kind must be one of {', '.join(SCHEDULES)}, "
                            f"got {kind!r}")
    params = {p.name: p for p in SCHEDULES[kind]}
    out = {"kind": kind}
    for key, setting in value.items():
        if key == "kind":
            continue
        if key not in params:
            raise SettingsError(f"{where}: {field}: schedule {kind} has no setting {key!r}"
                                + (f"; its settings are: {', '.join(params)}" if params else ""))
        out[key] = _check_param(params[key], setting, f"schedule {kind}", field, where)
    return out
