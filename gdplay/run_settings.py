"""One immutable value for everything that defines a run, checked in one place.

:class:`RunSettings` holds the problem and its options, the lanes (optimizer,
hyperparameters, schedule, name, colour, on/off), the start, the network's slice plane and
the speed. The control panel renders one and emits edited copies, the CLI builds one from
its arguments, lessons and saved files read one from JSON, and the worker builds its
session from one. :meth:`RunSettings.validate` is the one check of a whole setting: every
field by its :class:`~gdplay.engine.params.Param`, the checks across settings that the
optimizers and the problem make, and the start against the problem. No Qt here.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .engine.optimizers import optimizer_spec
from .engine.problems import make_problem, problem_spec
from .engine.session import LaneConfig, Session, check_start, unique_name
from .settings import (MAX_LANES, MAX_NAME, SettingsError, check_hparams, check_options,
                       check_schedule, check_text, expect, expect_int, expect_number)

__all__ = ["FrozenDict", "LaneSettings", "RunSettings", "RUN_FIELDS", "MAX_SPEED",
           "SLICE_KINDS", "DEFAULT_SLICE", "PALETTE", "free_color", "check_color",
           "unique_names", "with_colors"]

RUN_FIELDS = ("problem", "options", "lanes", "steps", "start", "schedule")
LANE_FIELDS = ("optimizer", "hparams", "name", "schedule")
MAX_SPEED = 1_000_000  # steps per second (0: as fast as possible)
SLICE_KINDS = ("random", "axes", "pca")
_SLICE_FIELDS = {"kind": str, "seed": int, "i": int, "j": int, "span": (int, float)}
# lane colours: colour-blind safe (Okabe & Ito), in order
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F3C8D",
           "#000000")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}\Z")


class FrozenDict(Mapping):
    """A read-only dict: settings are shared between the window's and the worker's threads,
    so nothing may change one in place. ``set`` gives an edited copy."""

    __slots__ = ("_d",)

    def __init__(self, *args, **kwargs):
        self._d = dict(*args, **kwargs)

    def __getitem__(self, key):
        return self._d[key]

    def __iter__(self):
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __repr__(self) -> str:
        return f"FrozenDict({self._d!r})"

    def __hash__(self) -> int:
        return hash(frozenset(self._d.items()))

    def __reduce__(self):  # copy, deepcopy and pickle
        return (FrozenDict, (self._d,))

    def set(self, **changes) -> "FrozenDict":
        return FrozenDict({**self._d, **changes})

    def thaw(self) -> dict:
        """A plain dict copy (what the engine takes)."""
        return dict(self._d)


def _frozen(value) -> FrozenDict:
    return value if isinstance(value, FrozenDict) else FrozenDict(value or {})


DEFAULT_SLICE = FrozenDict(kind="random")


@dataclass(frozen=True)
class LaneSettings:
    """One lane: an optimizer by name, the hyperparameters set (the rest are the optimizer's
    defaults), a schedule (None: constant), a name, a colour (None: the palette's) and
    whether it runs."""

    optimizer: str
    hparams: FrozenDict = field(default_factory=FrozenDict)
    name: str = ""
    schedule: FrozenDict | None = None
    color: str | None = None
    enabled: bool = True

    def __post_init__(self):
        object.__setattr__(self, "hparams", _frozen(self.hparams))
        if self.schedule is not None:
            object.__setattr__(self, "schedule", _frozen(self.schedule))

    def replace(self, **changes) -> "LaneSettings":
        return dataclasses.replace(self, **changes)

    def config(self) -> LaneConfig:
        """The engine's lane description (a new, mutable object)."""
        return LaneConfig(self.optimizer, self.hparams.thaw(), self.name,
                          None if self.schedule is None else self.schedule.thaw(),
                          self.color, self.enabled)

    @classmethod
    def from_config(cls, config: LaneConfig) -> "LaneSettings":
        return cls(config.optimizer, config.hparams, config.name, config.schedule,
                   config.color, config.enabled)

    def to_json(self) -> dict:
        """The fields a config file or lesson holds (tuples as lists)."""
        out: dict = {"optimizer": self.optimizer, "hparams": _plain(self.hparams)}
        if self.name:
            out["name"] = self.name
        if self.schedule is not None:
            out["schedule"] = _plain(self.schedule)
        return out


def _plain(values: Mapping) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


@dataclass(frozen=True)
class RunSettings:
    """Everything that defines a run. Build with the fields, ``from_json`` or
    ``replace``; check with ``validate``; run with ``session``."""

    problem: str = "rosenbrock"
    options: FrozenDict = field(default_factory=FrozenDict)
    lanes: tuple[LaneSettings, ...] = ()
    start: tuple[float, ...] | None = None
    slice: FrozenDict = DEFAULT_SLICE
    speed: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "options", _frozen(self.options))
        object.__setattr__(self, "slice", _frozen(self.slice))
        object.__setattr__(self, "lanes", tuple(
            lane if isinstance(lane, LaneSettings) else LaneSettings.from_config(lane)
            for lane in self.lanes))
        if self.start is not None:
            object.__setattr__(self, "start", tuple(self.start))

    def replace(self, **changes) -> "RunSettings":
        return dataclasses.replace(self, **changes)

    def with_lane(self, index: int, lane: LaneSettings) -> "RunSettings":
        """A copy with lane ``index`` replaced (``index == len(lanes)``: added)."""
        lanes = list(self.lanes)
        if index == len(lanes):
            lanes.append(lane)
        else:
            lanes[index] = lane
        return self.replace(lanes=tuple(lanes))

    def lane_configs(self) -> list[LaneConfig]:
        return [lane.config() for lane in self.lanes]

    # --- checking ------------------------------------------------------------------------
    def validate(self, where: str | None = "settings") -> "RunSettings":
        """The checked setting (values as the engine takes them, lane names unique), or a
        SettingsError naming ``where`` (None: the window's status bar, which needs no
        "where") and the field. Builds the problem (once for a given problem and options)
        and each lane's optimizer: whatever passes here runs."""
        if where is None:
            try:
                return self.validate("settings")
            except SettingsError as exc:
                raise SettingsError(str(exc).removeprefix("settings: ")) from None
        checked = RunSettings.from_json(self.to_json(), where, lane_extras=self.lanes)
        colors = with_colors([lane.color for lane in checked.lanes])  # each lane drawn in one
        checked = checked.replace(
            lanes=tuple(lane.replace(color=c) for lane, c in zip(checked.lanes, colors)),
            slice=_check_slice(self.slice, where), speed=_check_speed(self.speed, where))
        try:  # the problem as a whole (a network's sizes, your own function) and the start
            dim = _problem_dim(checked.problem, checked.options)
            if checked.start is not None:
                check_start(checked.start, dim)
        except (ValueError, TypeError) as exc:
            raise SettingsError(f"{where}: {exc}") from None
        return checked

    def session(self, **session_options) -> Session:
        """A new session of this setting at step 0 (``session_options``: Session's)."""
        problem = make_problem(self.problem, **self.options)
        return Session(problem, self.lane_configs(), None if self.start is None
                       else list(self.start), **session_options)

    # --- JSON ----------------------------------------------------------------------------
    def to_json(self) -> dict:
        """The run fields of a config file (no colour, on/off, slice or speed)."""
        out: dict = {"problem": self.problem, "options": _plain(self.options),
                     "lanes": [lane.to_json() for lane in self.lanes]}
        if self.start is not None:
            out["start"] = list(self.start)
        return out

    @classmethod
    def from_json(cls, data, where: str = "config", extra_fields: tuple = (), *,
                  lane_extras: tuple = ()) -> "RunSettings":
        """Check the run fields of a JSON object (problem, options, lanes, start; steps and
        schedule are checked and left to the caller: see :func:`run_extras`) and give the
        setting. Fields in ``extra_fields`` are allowed and left to the caller. Every
        setting is checked by its Param, lanes by building their optimizers, and lane
        names made unique. ``lane_extras``: lanes whose colour and on/off are kept."""
        run = _check_run_fields(data, where, extra_fields)
        lanes = list(run.get("lanes", ()))
        for i, extra in enumerate(lane_extras[:len(lanes)]):
            lanes[i] = lanes[i].replace(color=_check_color(extra.color, i, where),
                                        enabled=bool(extra.enabled))
        start = run.get("start")
        return cls(run.get("problem", cls.problem), run.get("options", {}),
                   tuple(unique_names(lanes)),
                   None if start is None else tuple(float(x) for x in start))


def _problem_dim(problem: str, options: FrozenDict) -> int:
    """The parameter count of the problem built with ``options`` (ValueError if it cannot
    be built). Kept for the last few settings: the controls check the whole setting at
    every edit, and a large network's data takes a while to make."""
    try:
        return _cached_dim(problem, options)
    except TypeError:  # an option that cannot be a key (never from a checked setting)
        return make_problem(problem, **options).dim


@functools.lru_cache(maxsize=8)
def _cached_dim(problem: str, options: FrozenDict) -> int:
    return make_problem(problem, **options).dim


def unique_names(lanes: list[LaneSettings]) -> list[LaneSettings]:
    """Every lane a unique name by the engine's rule (:func:`~gdplay.engine.session.
    unique_name`): kept when it has one, else (or when taken) the optimizer's name, then
    "name #2", "name #3"... (a copy of "adam #2" is "adam #3")."""
    used: set[str] = set()
    out = []
    for lane in lanes:
        name = unique_name(lane.name, used, lane.optimizer)
        used.add(name)
        out.append(lane if name == lane.name else lane.replace(name=name))
    return out


def run_extras(data: dict, where: str) -> dict:
    """The CLI's fields beside the setting: steps (int) and schedule (for every lane)."""
    out = {}
    if "steps" in data:
        out["steps"] = expect_int(data["steps"], "steps", where)
    if "schedule" in data:
        expect(data["schedule"], dict, "schedule", where)
        out["schedule"] = check_schedule(data["schedule"], "schedule", where)
    return out


def _check_run_fields(data, where: str, extra_fields: tuple) -> dict:
    expect(data, dict, "the top level", where)
    allowed = set(RUN_FIELDS) | set(extra_fields)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SettingsError(f"{where}: unknown field {', '.join(map(repr, unknown))}; "
                            f"fields are: {', '.join(sorted(allowed))}")
    out: dict = {}
    if "problem" in data:
        out["problem"] = expect(data["problem"], str, "problem", where)
        try:
            problem_spec(out["problem"])
        except ValueError as exc:
            raise SettingsError(f"{where}: {exc}") from None
    if "options" in data:
        out["options"] = check_options(out.get("problem"), data["options"], "options", where)
    out.update(run_extras(data, where))
    if "start" in data and data["start"] is not None:
        start = expect(data["start"], (list, tuple), "start", where)
        for i, x in enumerate(start):
            expect_number(x, f"start[{i}]", where)
        out["start"] = list(start)
    if "lanes" in data:
        lanes_data = expect(data["lanes"], list, "lanes", where)
        if len(lanes_data) > MAX_LANES:
            raise SettingsError(f"{where}: lanes holds {len(lanes_data)} lanes "
                                f"(at most {MAX_LANES})")
        out["lanes"] = [_check_lane(lane, f"lanes[{i}]", where)
                        for i, lane in enumerate(lanes_data)]
    return out


def _check_lane(lane, at: str, where: str) -> LaneSettings:
    expect(lane, dict, at, where)
    extra = sorted(set(lane) - set(LANE_FIELDS))
    if extra:
        raise SettingsError(f"{where}: {at} has unknown field {', '.join(map(repr, extra))}")
    if "optimizer" not in lane:
        raise SettingsError(f"{where}: {at}.optimizer is missing")
    optimizer = expect(lane["optimizer"], str, f"{at}.optimizer", where)
    name = check_text(lane.get("name", ""), f"{at}.name", where, MAX_NAME)
    hp = check_hparams(optimizer, lane.get("hparams", {}), at, where)
    schedule = lane.get("schedule")
    check_schedule(schedule, f"{at}.schedule", where)
    try:
        built = optimizer_spec(optimizer).cls(schedule=schedule, **hp)
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{where}: {at}: {exc}") from None
    # the checked values: JSON lists become the tuples the engine uses (betas)
    hp = {k: built.hparams[k] for k in hp}
    return LaneSettings(optimizer, hp, name, schedule)


def check_color(color, field: str, where: str) -> str | None:
    """None or a colour written #rrggbb (what the window, files and the views take)."""
    if color is None:
        return None
    if not (isinstance(color, str) and _COLOR.match(color)):
        raise SettingsError(f"{where}: {field} must be a colour \"#rrggbb\", got {color!r:.40}")
    return color


def _check_color(color, i: int, where: str) -> str | None:
    return check_color(color, f"lanes[{i}].color", where)


def free_color(used, index: int) -> str:
    """The first palette colour no lane in ``used`` has (a new lane, a duplicate, a fork:
    never the colour of one already drawn), else the palette's ``index``-th."""
    taken = {str(c).lower() for c in used if c}
    return next((c for c in PALETTE if c.lower() not in taken), PALETTE[index % len(PALETTE)])


def with_colors(colors: list) -> list[str]:
    """Each lane's colour, a free one for those without (None): the one rule, for the
    controls and the session alike."""
    out = list(colors)
    for i, color in enumerate(out):
        if color is None:
            out[i] = free_color(out, i)
    return out


def _check_speed(speed, where: str) -> float:
    speed = expect_number(speed, "speed", where)
    if not 0 <= speed <= MAX_SPEED:
        raise SettingsError(f"{where}: speed must be from 0 to {MAX_SPEED} steps per second "
                            f"(0: as fast as possible), got {speed:g}")
    return speed


def _check_slice(spec, where: str) -> FrozenDict:
    """The network's slice plane: kind random (seed, span), axes (i, j, span) or pca."""
    expect(spec, Mapping, "slice", where)
    for key, value in spec.items():
        if key not in _SLICE_FIELDS:
            raise SettingsError(f"{where}: slice has unknown field {key!r}; fields are: "
                                f"{', '.join(_SLICE_FIELDS)}")
        expect(value, _SLICE_FIELDS[key], f"slice.{key}", where)
    if spec.get("kind", "random") not in SLICE_KINDS:
        raise SettingsError(f"{where}: slice.kind must be one of {', '.join(SLICE_KINDS)}, "
                            f"got {spec['kind']!r}")
    for key in ("seed", "i", "j"):
        if key in spec:
            expect_int(spec[key], f"slice.{key}", where, 0, 2 ** 31 - 1)
    if "span" in spec and not (math.isfinite(spec["span"]) and spec["span"] > 0):
        raise SettingsError(f"{where}: slice.span must be a finite number above 0, "
                            f"got {spec['span']!r}")
    return _frozen(spec)
