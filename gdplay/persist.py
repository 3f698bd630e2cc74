"""Saving and loading a whole session as JSON (format "gdplay-session", version 1).

What is saved: the problem and its options, the start, and per lane its settings, the
exact state it reached (parameters, optimizer state, step, status), the hyperparameter
changes made along the way, and its histories; plus the breakpoints. Loading rebuilds
the session and puts every lane back in that exact state, so a run continues as if it
had never stopped, and any earlier step can still be restored by replay from step 0.

Files are written atomically (a temporary file, then a rename) and read with every field
checked; a damaged, foreign, truncated or huge file raises SettingsError and builds
nothing. No Qt here.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .engine.problems import make_problem
from .engine.session import Breakpoint, LaneConfig, Session, _Checkpoint
from .settings import SettingsError, expect, parse_run_settings, read_json

__all__ = ["FORMAT", "VERSION", "MAX_FILE_BYTES", "session_to_dict", "session_from_dict",
           "save_session", "load_session", "atomic_write"]

FORMAT = "gdplay-session"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024


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


def _decode(value):
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return np.array(value["__array__"], dtype=np.float64)
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def session_to_dict(session: Session, breakpoints=()) -> dict:
    p = session.problem
    lanes = []
    for lane in session.lanes:
        c = lane.config
        lanes.append({
            "optimizer": c.optimizer, "name": lane.name,
            # the hyperparameters at step 0; later changes are in hparam_log
            "hparams": _encode(lane._checkpoints[0].opt_state["hparams"]),
            "schedule": lane.optimizer.schedule.to_dict(), "color": c.color, "enabled": lane.enabled,
            "t": lane.t, "status": lane.status, "reason": lane.reason,
            "diverged_at": lane.diverged_at, "w": lane.w.tolist(),
            "optimizer_state": _encode(lane.optimizer.get_state()),
            "hparam_log": [[s, _encode(ch)] for s, ch in lane._hparam_log],
            "history": lane.history.rows.tolist(),
            "param_history": lane.param_history.rows.tolist(),
            "residuals": lane.residuals.rows.tolist(),
        })
    return {"format": FORMAT, "version": VERSION, "problem": p.name, "options": _encode(p.options()),
            "start": session.start.tolist(), "lanes": lanes,
            "breakpoints": [{"kind": b.kind, "value": b.value, "lane": b.lane, "enabled": b.enabled}
                            for b in breakpoints]}


def _rows(value, width: int, field: str, where: str) -> np.ndarray:
    rows = np.array(expect(value, list, field, where), dtype=np.float64) if value else np.empty((0, width))
    if rows.ndim != 2 or rows.shape[1] != width:
        raise SettingsError(f"{where}: {field} must be rows of {width} numbers")
    if rows.size and np.any(np.diff(rows[:, 0]) <= 0):
        raise SettingsError(f"{where}: {field} steps must increase")
    return rows


def session_from_dict(data, where: str = "session file") -> tuple[Session, list[Breakpoint]]:
    """Rebuild a session; SettingsError naming the field when anything is off."""
    expect(data, dict, "the top level", where)
    if data.get("format") != FORMAT:
        raise SettingsError(f"{where}: not a gdplay session (format {data.get('format')!r})")
    if data.get("version") != VERSION:
        raise SettingsError(f"{where}: version {data.get('version')!r} is not supported "
                            f"(this gdplay reads version {VERSION})")
    lanes_data = expect(data.get("lanes"), list, "lanes", where)
    run = parse_run_settings(
        {"problem": data.get("problem"), "options": _decode(data.get("options", {})),
         "start": data.get("start"),
         "lanes": [{k: lane.get(k) for k in ("optimizer", "name") if k in lane}
                   for lane in lanes_data if isinstance(lane, dict)]}, where)
    if len(run.get("lanes", [])) != len(lanes_data) or not lanes_data:
        raise SettingsError(f"{where}: every lane must be an object with an optimizer")
    try:
        problem = make_problem(run["problem"], **run.get("options", {}))
        session = Session(problem, [], run.get("start"))
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{where}: {exc}") from None
    for i, lane_data in enumerate(lanes_data):
        at = f"lanes[{i}]"
        try:
            hparams = _decode(expect(lane_data.get("hparams", {}), dict, f"{at}.hparams", where))
            config = LaneConfig(lane_data["optimizer"], hparams, str(lane_data.get("name", "")),
                                lane_data.get("schedule"), lane_data.get("color"),
                                bool(lane_data.get("enabled", True)))
            lane = session.add_lane(config)
            t = expect(lane_data.get("t"), int, f"{at}.t", where)
            w = np.array(expect(lane_data.get("w"), list, f"{at}.w", where), dtype=np.float64)
            if w.shape != (problem.dim,) or t < 0:
                raise SettingsError(f"{where}: {at}.w must hold {problem.dim} numbers")
            state = _decode(expect(lane_data.get("optimizer_state"), dict,
                                   f"{at}.optimizer_state", where))
            probe = lane.optimizer.get_state()
            if set(state) != set(probe) or not isinstance(state.get("state"), dict):
                raise SettingsError(f"{where}: {at}.optimizer_state is not a {config.optimizer} state")
            lane.optimizer.set_state(state)
            lane.optimizer.set_hparams(**lane.optimizer.hparams)  # checks, lists -> tuples
            for key, value in lane.optimizer.state.items():
                if isinstance(value, np.ndarray) and value.shape != w.shape:
                    raise SettingsError(f"{where}: {at}.optimizer_state.{key} has the wrong size")
            if int(lane.optimizer.state.get("t", -1)) != t and config.optimizer != "admm_adam":
                raise SettingsError(f"{where}: {at}.optimizer_state is at another step than t")
            lane._hparam_log = [(int(s), dict(_decode(ch)))
                                for s, ch in expect(lane_data.get("hparam_log", []), list,
                                                    f"{at}.hparam_log", where)]
            lane.w = w
            lane.t = t
            status = lane_data.get("status", "running")
            if status not in ("running", "diverged"):
                raise SettingsError(f"{where}: {at}.status must be running or diverged")
            lane.status, lane.reason = status, str(lane_data.get("reason", ""))
            lane.diverged_at = lane_data.get("diverged_at")
            for name, buf, width in (("history", lane.history, 3),
                                     ("param_history", lane.param_history, 2 + problem.dim),
                                     ("residuals", lane.residuals, 5)):
                rows = _rows(lane_data.get(name, []), width, f"{at}.{name}", where)
                buf.clear()
                for row in rows[-buf.capacity:]:
                    buf.append(row)
            lane.traces.clear()
            lane._evaluate()
            if status == "running" and lane.status != "running":
                raise SettingsError(f"{where}: {at} is not finite although marked running")
            # step 0 (made when the lane was added) and here: every step in between replays
            lane._checkpoints.append(_Checkpoint(t, w.copy(), lane.optimizer.get_state(),
                                                 lane.status, lane.reason, lane.diverged_at))
            lane._checkpoints.sort(key=lambda c: c.step)
        except SettingsError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise SettingsError(f"{where}: {at}: {exc}") from None
    breakpoints = []
    for j, b in enumerate(expect(data.get("breakpoints", []), list, "breakpoints", where)):
        try:
            breakpoints.append(Breakpoint(b["kind"], b.get("value"), b.get("lane"),
                                          bool(b.get("enabled", True))))
        except (KeyError, TypeError, ValueError) as exc:
            raise SettingsError(f"{where}: breakpoints[{j}]: {exc}") from None
    return session, breakpoints


def atomic_write(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a failure leaves the previous file intact:
    a temporary file in the same folder, flushed to disk, then renamed over the target."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save_session(path: str | Path, session: Session, breakpoints=()) -> None:
    """Save atomically; OSError (e.g. a read-only folder) is turned into SettingsError."""
    text = json.dumps(session_to_dict(session, breakpoints), allow_nan=True)
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise SettingsError(f"cannot save to {path}: {exc.strerror or exc}") from None


def load_session(path: str | Path) -> tuple[Session, list[Breakpoint]]:
    # NaN and infinities are read: a diverged lane's values (checked field by field)
    data = read_json(path, MAX_FILE_BYTES, "session file", allow_non_finite=True)
    return session_from_dict(data, f"session file {Path(path).name}")


