"""Saving and loading a whole session as JSON (format "gdplay-session", version 2).

What is saved is the session's :meth:`Session.state_dict` (the problem and its options,
the start, per lane its settings, the exact state it reached, the hyperparameter changes
made along the way, its histories and up to 16 checkpoints) plus the breakpoints: loading
puts every lane back in that exact state, so a run continues as if it had never stopped.
This module only turns that into JSON and back and checks the JSON's structure (types,
fields, sizes of texts and tables); :meth:`Session.from_state_dict` checks what it means
(sizes against the problem, steps against the lane's). A damaged, foreign, truncated or
huge file raises SettingsError naming the file and the field, and nothing is built from
it. Files are written atomically (a temporary file beside the target, then a rename; the
target keeps its mode, a symbolic link keeps pointing at it). No Qt here.

Version 2 writes the histories (the bulk of a long run) as tables of little-endian float64
in base64, ``{"f64": "...", "rows": r, "cols": c}``: bit for bit the same numbers, a third
of the size of JSON numbers and much faster to write and read. Version 1 files (histories
as lists of numbers) are still read.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import stat
from itertools import chain
from pathlib import Path

import numpy as np

from .engine.problems import make_problem
from .engine.session import BREAKPOINT_KINDS, Breakpoint, LaneConfig, Session
from .run_settings import RunSettings, check_color
from .settings import (MAX_LANES, MAX_NAME, SettingsError, check_text, expect, expect_int, expect_number,
                       read_json)

__all__ = ["FORMAT", "VERSION", "MAX_FILE_BYTES", "MAX_REASON", "session_to_dict",
           "session_from_dict", "save_session", "load_session", "atomic_write"]

FORMAT = "gdplay-session"
VERSION = 2
READS = (1, 2)  # the versions this gdplay opens
# the largest session file opened: every history full, 16 lanes of a 2D problem fit
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_REASON = 200  # characters of a lane's divergence reason (the engine's are under 80)

_TOP_FIELDS = ("format", "version", "problem", "options", "start", "lanes", "breakpoints")
_LANE_FIELDS = ("optimizer", "name", "hparams", "schedule", "color", "enabled", "t", "status",
                "reason", "diverged_at", "w", "optimizer_state", "hparam_log", "history",
                "param_history", "residuals", "checkpoints")
_CHECKPOINT_FIELDS = ("step", "w", "optimizer_state", "status", "reason", "diverged_at")
# checkpoints saved a lane (evenly spaced): going back to a step after opening a file
# replays from the nearest one, not from step 0 (a network's long run: minutes)
SAVED_CHECKPOINTS = 16
_REQUIRED_LANE_FIELDS = ("optimizer", "t", "w", "optimizer_state")
_BREAKPOINT_FIELDS = ("kind", "value", "lane", "enabled")
_VALUE_KINDS = ("grad_norm_above", "loss_below", "step")  # the kinds that need a value
# what the app writes (QColor.name() and the palette); Qt reads 8 digits as #aarrggbb
_NUMBER_TYPES = frozenset((int, float))  # bools are not numbers

def _encode(value):
    """JSON-able form: arrays become {"__array__": [...]}, tuples lists."""
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


def _table(rows: np.ndarray) -> dict:
    """Rows of floats as base64 of their little-endian float64 bytes (version 2)."""
    data = np.ascontiguousarray(rows, dtype="<f8")
    return {"f64": base64.b64encode(data.tobytes()).decode("ascii"),
            "rows": int(data.shape[0]), "cols": int(data.shape[1])}


def _saved_checkpoints(lane: dict) -> list:
    """At most SAVED_CHECKPOINTS of a lane's checkpoints strictly between step 0 and its
    step (those two are made again on loading), evenly spaced."""
    inner = [cp for cp in lane["checkpoints"] if 0 < cp["step"] < lane["t"]]
    if len(inner) > SAVED_CHECKPOINTS:
        picks = np.linspace(0, len(inner) - 1, SAVED_CHECKPOINTS).round().astype(int)
        inner = [inner[k] for k in sorted(set(picks.tolist()))]
    return inner


def _checkpoint(cp: dict) -> dict:
    return {"step": cp["step"], "w": cp["w"].tolist(),
            "optimizer_state": _encode(cp["optimizer_state"]), "status": cp["status"],
            "reason": cp["reason"], "diverged_at": cp["diverged_at"]}


def session_to_dict(session: Session, breakpoints=()) -> dict:
    """The session's :meth:`Session.state_dict` as JSON values (version 2)."""
    sd = session.state_dict()
    lanes = [{
        "optimizer": lane["optimizer"], "name": lane["name"],
        "hparams": _encode(lane["hparams"]),  # at step 0; later changes are in hparam_log
        "schedule": lane["schedule"], "color": lane["color"], "enabled": lane["enabled"],
        "t": lane["t"], "status": lane["status"], "reason": lane["reason"],
        "diverged_at": lane["diverged_at"], "w": lane["w"].tolist(),
        "optimizer_state": _encode(lane["optimizer_state"]),
        "hparam_log": [[s, _encode(ch)] for s, ch in lane["hparam_log"]],
        "history": _table(lane["history"]),
        "param_history": _table(lane["param_history"]),
        "residuals": _table(lane["residuals"]),
        "checkpoints": [_checkpoint(cp) for cp in _saved_checkpoints(lane)],
    } for lane in sd["lanes"]]
    return {"format": FORMAT, "version": VERSION, "problem": sd["problem"],
            "options": _encode(sd["options"]), "start": sd["start"].tolist(), "lanes": lanes,
            "breakpoints": [{"kind": b.kind, "value": b.value, "lane": b.lane, "enabled": b.enabled}
                            for b in breakpoints]}




# --- loading: the JSON's structure checked here, its meaning by Session.from_state_dict ----

def _fields(data: dict, allowed: tuple, required: tuple, field: str, where: str) -> None:
    """No field but ``allowed`` in the object at ``field`` ("": the top level), and every
    one of ``required``."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise SettingsError(f"{where}: {field or 'the top level'} has unknown field "
                            f"{', '.join(map(repr, unknown))}")
    for name in required:
        if name not in data:
            raise SettingsError(f"{where}: {field + '.' if field else ''}{name} is missing")


def _numbers(value, field: str, where: str) -> np.ndarray:
    """A list of numbers as float64 (NaN and infinities allowed: the lane decides)."""
    expect(value, list, field, where)
    if not set(map(type, value)) <= _NUMBER_TYPES:
        raise SettingsError(f"{where}: {field} must hold only numbers")
    return np.array(value, dtype=np.float64)


def _decode_table(value, width: int, field: str, where: str) -> np.ndarray:
    """A version 2 table: {"f64": base64, "rows": r, "cols": width}."""
    _fields(value, ("f64", "rows", "cols"), ("f64", "rows", "cols"), field, where)
    rows = expect_int(value["rows"], f"{field}.rows", where, 0, MAX_FILE_BYTES // 8)
    if expect_int(value["cols"], f"{field}.cols", where) != width:
        raise SettingsError(f"{where}: {field}.cols must be {width}, got {value['cols']}")
    text = expect(value["f64"], str, f"{field}.f64", where)
    if len(text) != 4 * ((8 * rows * width + 2) // 3):
        raise SettingsError(f"{where}: {field}.f64 does not hold {rows} rows of {width} numbers")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError(f"{where}: {field}.f64 is not base64") from None
    if len(raw) != 8 * rows * width:
        raise SettingsError(f"{where}: {field}.f64 does not hold {rows} rows of {width} numbers")
    return np.frombuffer(raw, dtype="<f8").astype(np.float64).reshape(rows, width)


def _rows(value, width: int, field: str, where: str, version: int) -> np.ndarray:
    """History rows of ``width`` numbers: a list of lists in version 1, a table in version
    2 (their steps are the lane's to check)."""
    if version >= 2:
        return _decode_table(expect(value, dict, field, where), width, field, where)
    expect(value, list, field, where)
    if not value:
        return np.empty((0, width))
    if (not set(map(type, value)) <= {list} or set(map(len, value)) != {width}
            or not set(map(type, chain.from_iterable(value))) <= _NUMBER_TYPES):
        raise SettingsError(f"{where}: {field} must be rows of {width} numbers")
    return np.array(value, dtype=np.float64)


def _state_values(value, field: str, where: str):
    """An optimizer's saved state as the engine takes it: each {"__array__": [numbers]} a
    float64 array (nested states, ADMM's inner Adam, as dicts). What the entries must be
    is the optimizer's to check (Optimizer.load_state_dict)."""
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return _numbers(value["__array__"], field, where)
        return {key: _state_values(v, f"{field}.{key}", where) for key, v in value.items()}
    return value


def _optimizer_state(value, field: str, where: str) -> dict:
    """An optimizer's state_dict from its JSON: the arrays decoded; what it must hold is
    the optimizer's to check (Optimizer.load_state_dict)."""
    expect(value, dict, field, where)
    _fields(value, ("state", "hparams", "schedule"), ("state", "hparams"), field, where)
    state = _state_values(expect(value["state"], dict, f"{field}.state", where),
                          f"{field}.state", where)
    return {"state": state, "hparams": expect(value["hparams"], dict, f"{field}.hparams", where),
            "schedule": value.get("schedule")}


def _hparam_log(value, config: LaneConfig, field: str, where: str) -> list:
    """[step, changes] pairs, each change a setting of the lane's optimizer (the lane checks
    the steps against its own, and each change where it was made)."""
    expect(value, list, field, where)
    log = []
    for j, entry in enumerate(value):
        at = f"{field}[{j}]"
        if not (isinstance(entry, list) and len(entry) == 2):
            raise SettingsError(f"{where}: {at} must be [step, {{changes}}]")
        step = expect_int(entry[0], f"{at}[0]", where)
        log.append((step, dict(expect(entry[1], dict, f"{at}[1]", where))))  # the lane checks them
    return log


def _lane(data, config: LaneConfig, n: int, i: int, where: str, version: int) -> dict:
    """Lane ``i`` (its settings checked in ``config``) as a :meth:`Lane.state_dict`, its
    JSON checked; its meaning is checked by :meth:`Lane.load_state_dict`."""
    at = f"lanes[{i}]"
    t = expect_int(data["t"], f"{at}.t", where)
    reason = check_text(data.get("reason", ""), f"{at}.reason", where, MAX_REASON)
    diverged_at = data.get("diverged_at")
    if diverged_at is not None:
        expect(diverged_at, int, f"{at}.diverged_at", where)
    color = data.get("color")
    check_color(color, f"{at}.color", where)
    enabled = expect(data.get("enabled", True), bool, f"{at}.enabled", where)
    w = _numbers(data["w"], f"{at}.w", where)
    state = _optimizer_state(data["optimizer_state"], f"{at}.optimizer_state", where)
    status = data.get("status", "running")
    # the saved checkpoints, and one where the lane is: a step in between replays from the
    # nearest (the start's is made again from the settings)
    here = {"step": t, "w": w, "optimizer_state": state, "status": status, "reason": reason,
            "diverged_at": diverged_at}
    return {"optimizer": config.optimizer, "name": config.name, "hparams": config.hparams,
            "schedule": config.schedule, "color": color, "enabled": enabled,
            "t": t, "status": status, "reason": reason, "diverged_at": diverged_at, "w": w,
            "optimizer_state": state,
            "hparam_log": _hparam_log(data.get("hparam_log", []), config, f"{at}.hparam_log",
                                      where),
            "history": _rows(data.get("history", []), 3, f"{at}.history", where, version),
            "param_history": _rows(data.get("param_history", []), 2 + n,
                                   f"{at}.param_history", where, version),
            "residuals": _rows(data.get("residuals", []), 5, f"{at}.residuals", where,
                               version),
            "checkpoints": _checkpoints(data.get("checkpoints", []), config, n, t,
                                        f"{at}.checkpoints", where) + [here]}


def _checkpoints(value, config: LaneConfig, n: int, t: int, field: str, where: str) -> list:
    """Saved checkpoints: steps increasing strictly between 0 and t."""
    expect(value, list, field, where)
    if len(value) > SAVED_CHECKPOINTS:
        raise SettingsError(f"{where}: {field} holds {len(value)} checkpoints "
                            f"(at most {SAVED_CHECKPOINTS})")
    out, last = [], 0
    for j, cp in enumerate(value):
        at = f"{field}[{j}]"
        expect(cp, dict, at, where)
        _fields(cp, _CHECKPOINT_FIELDS, _CHECKPOINT_FIELDS, at, where)
        step = expect_int(cp["step"], f"{at}.step", where, last + 1, t - 1)
        last = step
        diverged_at = cp["diverged_at"]
        if diverged_at is not None:
            expect(diverged_at, int, f"{at}.diverged_at", where)
        out.append({"step": step, "w": _numbers(cp["w"], f"{at}.w", where),
                    "optimizer_state": _optimizer_state(cp["optimizer_state"],
                                                        f"{at}.optimizer_state", where),
                    "status": cp["status"],
                    "reason": check_text(cp["reason"], f"{at}.reason", where, MAX_REASON),
                    "diverged_at": diverged_at})
    return out


def _breakpoints(value, where: str) -> list[Breakpoint]:
    """At most one breakpoint of each kind (the window shows one of each)."""
    out, kinds = [], set()
    for j, b in enumerate(expect(value, list, "breakpoints", where)):
        at = f"breakpoints[{j}]"
        expect(b, dict, at, where)
        _fields(b, _BREAKPOINT_FIELDS, ("kind",), at, where)
        kind = b["kind"]
        if not isinstance(kind, str) or kind not in BREAKPOINT_KINDS:
            raise SettingsError(f"{where}: {at}.kind must be one of "
                                f"{', '.join(BREAKPOINT_KINDS)}, got {kind!r:.40}")
        if kind in kinds:
            raise SettingsError(f"{where}: {at} is a second {kind} breakpoint")
        kinds.add(kind)
        value_ = b.get("value")
        if value_ is not None:
            value_ = expect_number(value_, f"{at}.value", where)
        elif kind in _VALUE_KINDS:
            raise SettingsError(f"{where}: {at}.value is missing (a {kind} breakpoint needs one)")
        lane = b.get("lane")
        if lane is not None:
            check_text(lane, f"{at}.lane", where, MAX_NAME)
        enabled = expect(b.get("enabled", True), bool, f"{at}.enabled", where)
        try:
            out.append(Breakpoint(kind, value_, lane, enabled))
        except ValueError as exc:
            raise SettingsError(f"{where}: {at}: {exc}") from None
    return out


def session_from_dict(data, where: str = "session file") -> tuple[Session, list[Breakpoint]]:
    """Rebuild a session; SettingsError naming the field when anything is off. The JSON's
    structure is checked here, then Session.from_state_dict checks what it means (sizes
    against the problem, steps against the lane's, a lane marked running able to run)."""
    expect(data, dict, "the top level", where)
    if data.get("format") != FORMAT:
        raise SettingsError(f"{where}: not a gdplay session (format {data.get('format')!r:.40})")
    version = data.get("version")
    if type(version) is not int or version not in READS:  # true == 1 in Python
        raise SettingsError(f"{where}: version {version!r:.40} is not supported "
                            f"(this gdplay reads versions {' and '.join(map(str, READS))})")
    _fields(data, _TOP_FIELDS, ("problem", "lanes"), "", where)
    lanes_data = expect(data["lanes"], list, "lanes", where)
    if not lanes_data:
        raise SettingsError(f"{where}: every lane must be an object with an optimizer "
                            f"(there are none)")
    if len(lanes_data) > MAX_LANES:
        raise SettingsError(f"{where}: lanes holds {len(lanes_data)} lanes (at most {MAX_LANES})")
    names = {}
    for i, lane in enumerate(lanes_data):
        expect(lane, dict, f"lanes[{i}]", where)
        _fields(lane, _LANE_FIELDS, _REQUIRED_LANE_FIELDS, f"lanes[{i}]", where)
        name = lane.get("name")
        if isinstance(name, str) and name:
            if name in names:
                raise SettingsError(f"{where}: lanes[{i}].name {name!r} is the name of "
                                    f"lanes[{names[name]}] too")
            names[name] = i
    settings = RunSettings.from_json(
        {"problem": data["problem"], "options": data.get("options", {}),
         "start": data.get("start"),
         "lanes": [{k: lane[k] for k in ("optimizer", "name", "hparams", "schedule")
                    if k in lane} for lane in lanes_data]}, where)
    try:
        problem = make_problem(settings.problem, **settings.options)
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{where}: {exc}") from None
    n = problem.dim
    lanes = [_lane(data_, config, n, i, where, version)
             for i, (data_, config) in enumerate(zip(lanes_data, settings.lane_configs()))]
    breakpoints = _breakpoints(data.get("breakpoints", []), where)
    state = {"problem": settings.problem, "options": settings.options.thaw(),
             # finite numbers; their count is checked by Session
             "start": None if settings.start is None else list(settings.start),
             "lanes": lanes}
    try:
        session = Session.from_state_dict(state, problem)
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{where}: {exc}") from None
    return session, breakpoints


# --- saving ---------------------------------------------------------------------------------

def _create_beside(target: Path, mode: int | None) -> tuple[int, Path]:
    """A new temporary file in ``target``'s folder, open for writing: with ``mode`` if
    given, else as a normal open makes a new file (0666 less the umask, which the kernel
    applies: reading the umask would change it for every thread a moment)."""
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
        except FileExistsError:
            continue
        if mode is not None:
            try:  # where the file system allows it (not FAT, for one)
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, mode)
                else:
                    os.chmod(tmp, mode)
            except OSError:
                pass
        return fd, tmp
    raise FileExistsError(f"no free temporary name beside {target}")


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so a rename in it survives a crash; quietly nothing where the OS
    cannot open or sync a folder (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a failure leaves the previous file intact:
    a temporary file beside the target, flushed to disk, renamed over the target, and the
    folder synced. Through a symbolic link the link's target is replaced (the link stays);
    an existing file keeps its permission bits."""
    target = Path(os.path.realpath(path))
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = _create_beside(target, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_folder(target.parent)


def save_session(path: str | Path, session: Session, breakpoints=()) -> None:
    """Save atomically; OSError (e.g. a read-only folder) is turned into SettingsError."""
    text = json.dumps(session_to_dict(session, breakpoints), allow_nan=True)
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise SettingsError(f"cannot save to {path}: {exc.strerror or exc}") from None


def load_session(path: str | Path) -> tuple[Session, list[Breakpoint]]:
    """The session in ``path``; SettingsError naming the file and the field otherwise.
    NaN and infinities are read (a diverged lane's values), then checked field by field."""
    data = read_json(path, MAX_FILE_BYTES, "session file", allow_non_finite=True)
    return session_from_dict(data, f"session file {Path(path).name}")
