"""Run settings read from JSON (CLI configs, lessons): checked field by field, no eval.

Every error is a SettingsError (a ValueError) whose message names the field.
"""

from __future__ import annotations

import json
from pathlib import Path

from .engine.optimizers import optimizer_spec
from .engine.session import LaneConfig

__all__ = ["SettingsError", "read_json", "expect", "parse_run_settings", "RUN_FIELDS"]

RUN_FIELDS = ("problem", "options", "lanes", "steps", "start", "schedule")


class SettingsError(ValueError):
    """A bad file or field; the message says which and why."""


def read_json(path: str | Path, max_bytes: int, what: str = "config"):
    """The JSON in ``path``, refusing files over ``max_bytes`` and anything not JSON."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise SettingsError(f"cannot read {what} {path}: {exc.strerror}") from None
    if size > max_bytes:
        raise SettingsError(f"{what} {path} is too large ({size} bytes; at most {max_bytes})")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SettingsError(f"{what} {path} is not valid JSON: {exc}") from None


def expect(value, kind, field: str, where: str = "config"):
    """``value`` if it is of ``kind`` (bools are not numbers); SettingsError otherwise."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise SettingsError(f"{where}: {field} must be a {names}, got {type(value).__name__}")
    return value


def parse_run_settings(data, where: str = "config", extra_fields: tuple = ()) -> dict:
    """Check the run fields of a JSON object: problem (str), options (object), lanes (list
    of {optimizer, hparams, name, schedule}), steps (int), start (numbers), schedule
    (object). Lanes are validated by building their optimizers. Fields in
    ``extra_fields`` are allowed and left to the caller."""
    expect(data, dict, "the top level", where)
    allowed = set(RUN_FIELDS) | set(extra_fields)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SettingsError(f"{where}: unknown field {', '.join(map(repr, unknown))}; "
                            f"fields are: {', '.join(sorted(allowed))}")
    out: dict = {}
    if "problem" in data:
        out["problem"] = expect(data["problem"], str, "problem", where)
    if "options" in data:
        out["options"] = expect(data["options"], dict, "options", where)
    if "steps" in data:
        out["steps"] = expect(data["steps"], int, "steps", where)
    if "start" in data and data["start"] is not None:
        start = expect(data["start"], list, "start", where)
        for i, x in enumerate(start):
            expect(x, (int, float), f"start[{i}]", where)
        out["start"] = start
    if "schedule" in data:
        out["schedule"] = expect(data["schedule"], dict, "schedule", where)
    if "lanes" in data:
        lanes = []
        for i, lane in enumerate(expect(data["lanes"], list, "lanes", where)):
            expect(lane, dict, f"lanes[{i}]", where)
            extra = sorted(set(lane) - {"optimizer", "hparams", "name", "schedule"})
            if extra:
                raise SettingsError(f"{where}: lanes[{i}] has unknown field "
                                    f"{', '.join(map(repr, extra))}")
            if "optimizer" not in lane:
                raise SettingsError(f"{where}: lanes[{i}].optimizer is missing")
            hp = expect(lane.get("hparams", {}), dict, f"lanes[{i}].hparams", where)
            name = expect(lane.get("name", ""), str, f"lanes[{i}].name", where)
            sched = lane.get("schedule")
            if sched is not None:
                expect(sched, dict, f"lanes[{i}].schedule", where)
            try:
                built = optimizer_spec(expect(lane["optimizer"], str, f"lanes[{i}].optimizer",
                                              where)).cls(schedule=sched, **hp)
            except (ValueError, TypeError) as exc:
                raise SettingsError(f"{where}: lanes[{i}]: {exc}") from None
            # the checked values: JSON lists become the tuples the engine uses (betas)
            hp = {k: built.hparams[k] for k in hp}
            lanes.append(LaneConfig(lane["optimizer"], hp, name, sched))
        out["lanes"] = lanes
    return out
