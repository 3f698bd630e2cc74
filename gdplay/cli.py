"""Headless runs over the engine's registries; imports no Qt.

    python -m gdplay run --problem rosenbrock --lane adam:lr=0.01 \\
        --lane sgd:lr=0.001,momentum=0.9 --steps 300 --out run.csv
    python -m gdplay run --config run.json
    python -m gdplay list

A lane is ``[name=]optimizer[:setting=value,...]``; pairs such as betas are written
``0.9/0.999``. Problem options come as ``--option key=value``. Every step of every lane is
written (``--every N``: every N-th step, with step 0 and the last), lane after lane, as the
run goes: the file grows while it runs and memory does not grow with ``--steps``. Bad
arguments print one line naming the problem and exit with status 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys

import numpy as np

from .engine.optimizers import optimizer_names, optimizer_spec
from .engine.params import Param
from .engine.problems import problem_names, problem_spec
from .engine.schedules import SCHEDULES
from .engine.session import Session  # noqa: F401 (type of _run_lane)
from .run_settings import LaneSettings, RunSettings, run_extras
from .settings import SettingsError, read_json

__all__ = ["main", "parse_lane", "load_config", "CliError"]

MAX_STEPS = 10_000_000
CONFIG_FORMAT = 1  # optional "format" field of a config file
MAX_CONFIG_BYTES = 1_000_000
# A lane is run in chunks of at most this many steps, each chunk's rows written before the
# next: the lane's history buffers then never fill, so they never thin a row (see
# DecimatingBuffer), and memory stays one chunk whatever --steps is. The parameter rows
# are capped by floats, so a large network gets shorter chunks (4-64-64-1: 115 steps).
CHUNK_STEPS = 4096
CHUNK_PARAM_FLOATS = 1 << 19


class CliError(SettingsError):
    """A bad argument or setting; the message is shown as is."""


def _parse_settings(text: str, params: tuple[Param, ...], owner: str) -> dict:
    known = {p.name: p for p in params}
    out = {}
    for item in filter(None, _split_top(text)):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise CliError(f"{owner}: expected setting=value, got {item!r}")
        if key not in known:
            raise CliError(f"{owner} has no setting {key!r}; its settings are: {', '.join(known)}")
        out[key] = known[key].parse(value, owner)
    return out


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside parentheses or brackets: ``betas=(0.9,0.99)``."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def parse_lane(text: str) -> LaneSettings:
    """``[name=]optimizer[:setting=value,...]`` to a LaneSettings (validated)."""
    head, _, settings = text.partition(":")
    name, sep, optimizer = head.partition("=")
    if not sep:
        name, optimizer = "", head
    optimizer = optimizer.strip()
    spec = optimizer_spec(optimizer)
    hparams = _parse_settings(settings, spec.params, optimizer)
    spec.cls(**hparams)  # validate across settings now, with the same message
    return LaneSettings(optimizer, hparams, name.strip())


def parse_schedule(text: str | None) -> dict | None:
    if not text:
        return None
    kind, _, settings = text.partition(":")
    kind = kind.strip()
    if kind not in SCHEDULES:
        raise CliError(f"unknown schedule {kind!r}; choose one of {', '.join(SCHEDULES)}")
    return {"kind": kind, **_parse_settings(settings, SCHEDULES[kind], f"schedule {kind}")}


def load_config(path: str) -> tuple[RunSettings, dict]:
    """Read and check a JSON run configuration; an error names the field. The setting, and
    the fields given (with ``steps`` and ``schedule`` checked: see run_extras).

    Fields: problem (str), options (object), lanes (list of {optimizer, hparams, name,
    schedule}), steps (int), start (list of numbers), schedule (object, for every lane).
    """
    data = read_json(path, MAX_CONFIG_BYTES, "config")
    fmt = data.get("format", CONFIG_FORMAT) if isinstance(data, dict) else CONFIG_FORMAT
    if type(fmt) is not int or fmt != CONFIG_FORMAT:  # true and 1.0 equal 1 in Python
        raise CliError(f"config: format {data['format']!r} is not supported "
                       f"(this gdplay reads format {CONFIG_FORMAT})")
    settings = RunSettings.from_json(data, "config", ("format",))
    return settings, {**data, **run_extras(data, "config")}


def _every(text: str | None) -> int:
    if text is None:
        return 1
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise CliError(f"--every must be a whole number from 1 up, got {text!r}")
    return n


class _Parser(argparse.ArgumentParser):
    """argparse, its errors one line like the others (argparse prints its usage first)."""

    def error(self, message):
        raise CliError(message)


def _build_parser() -> tuple[argparse.ArgumentParser, tuple[str, ...], tuple[str, ...]]:
    """The parser, and the run command's options: those that take a value, and all."""
    parser = _Parser(prog="gdplay", description="gdplay, headless")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run lanes on a problem and write CSV")
    added = [
        run.add_argument("--problem", help="problem name (see 'gdplay list')"),
        run.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                         help="a problem option, e.g. dataset=sine or hidden=16/16"),
        run.add_argument("--lane", action="append", default=[], metavar="SPEC",
                         help="[name=]optimizer[:setting=value,...], e.g. adam:lr=0.01"),
        run.add_argument("--steps", type=int, help="steps to run (default 100)"),
        run.add_argument("--start", help="start point, comma separated (2D/1D problems)"),
        run.add_argument("--schedule", help="learning-rate schedule for every lane, "
                         "e.g. cosine:t_max=300"),
        run.add_argument("--config", help="a JSON file with the same settings"),
        run.add_argument("--out", help="CSV file to write (default: standard output)"),
        run.add_argument("--every", metavar="N", help="write every N-th step only, with "
                         "step 0 and each lane's last step (default: every step)"),
    ]
    sub.add_parser("list", help="list problems and optimizers with their settings")
    takes_value = tuple(o for a in added for o in a.option_strings)
    return parser, takes_value, takes_value + ("-h", "--help")


def _resolve(word: str, options: tuple[str, ...]) -> str | None:
    """The option ``word`` names, as argparse reads it (a unique prefix of a long option
    will do), or None."""
    if word in options:
        return word
    if not word.startswith("--"):
        return None
    matches = [o for o in options if o.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def _attach_dash_values(args: list[str], takes_value: tuple[str, ...],
                        options: tuple[str, ...]) -> list[str]:
    """``--start -1.5,2`` as ``--start=-1.5,2``: argparse takes a word that starts with
    '-' for an option (unless it looks like a plain negative number, which -1.5,2 does
    not) and then says the option before it is missing its value. A word that is one of
    our options is left alone, so a forgotten value is still reported as such."""
    out, i = [], 0
    while i < len(args):
        word = args[i]
        if word == "--":
            out.extend(args[i:])
            break
        if (i + 1 < len(args) and "=" not in word
                and _resolve(word, options) in takes_value
                and args[i + 1].startswith("-") and args[i + 1] != "--"
                and _resolve(args[i + 1].partition("=")[0], options) is None):
            out.append(f"{word}={args[i + 1]}")
            i += 2
            continue
        out.append(word)
        i += 1
    return out


def _list(out) -> None:
    sections = (
        ("Problems", [(f"{n} [{problem_spec(n).kind}]  {problem_spec(n).formula}",
                       problem_spec(n).options) for n in problem_names()]),
        ("Optimizers", [(f"{n}  ({optimizer_spec(n).title})", optimizer_spec(n).params)
                        for n in optimizer_names()]),
        ("Schedules", list(SCHEDULES.items())),
    )
    for i, (title, entries) in enumerate(sections):
        print(("\n" if i else "") + f"{title}:", file=out)
        for heading, params in entries:
            print(f"  {heading}", file=out)
            for p in params:
                print(f"    {p.name} = {p.default!r}  ({p.range_text()}): {p.help}", file=out)


def _run(args) -> int:
    base, given = load_config(args.config) if args.config else (RunSettings(), {})
    problem_name = args.problem or given.get("problem")
    if not problem_name:
        raise CliError("choose a problem with --problem NAME (see 'gdplay list')")
    spec = problem_spec(problem_name)
    options = dict(base.options)
    if args.option:
        options.update(_parse_settings(",".join(args.option), spec.options, f"problem {problem_name}"))
    lanes = [parse_lane(text) for text in args.lane] or list(base.lanes)
    if not lanes:
        raise CliError("add at least one lane, e.g. --lane adam:lr=0.01")
    schedule = parse_schedule(args.schedule) if args.schedule else given.get("schedule")
    if schedule is not None:
        lanes = [lane if lane.schedule else lane.replace(schedule=schedule) for lane in lanes]
    steps = args.steps if args.steps is not None else given.get("steps", 100)
    if not 0 <= steps <= MAX_STEPS:
        raise CliError(f"--steps must be from 0 to {MAX_STEPS}, got {steps}")
    every = _every(args.every)
    start = base.start
    if args.start:
        try:
            start = [float(x) for x in args.start.split(",")]
        except ValueError:
            raise CliError(f"--start must be numbers separated by commas, got {args.start!r}") from None
    settings = RunSettings(problem_name, options, tuple(lanes), start).validate("run")
    session = settings.session(history_capacity=CHUNK_STEPS,
                               param_history_floats=CHUNK_PARAM_FLOATS)
    problem = session.problem
    # opened only now: a bad argument leaves an existing file as it was
    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout
    try:
        writer = csv.writer(out)
        writer.writerow(["lane", "optimizer", "step", "loss", "grad_norm"]
                        + [f"p{i}" for i in range(problem.dim)])
        for lane in session.lanes:
            _run_lane(session, lane, steps, every, out)
    finally:
        if out is not sys.stdout:
            out.close()
    for lane in session.lanes:
        if lane.status != "running":
            print(f"gdplay: lane {lane.name}: {lane.status_text()}", file=sys.stderr)
    return 0


def _run_lane(session: Session, lane, steps: int, every: int, out) -> None:
    """Run one lane to ``steps`` (or until it stops) in chunks, writing each chunk's rows
    and then dropping them from its history; the other lanes wait. Lanes see the same
    gradient at a step whatever the others do, so this gives the same numbers as running
    them side by side, and the rows come out lane after lane as they always have."""
    chunk = min(lane.history.capacity, lane.param_history.capacity)
    quoted = io.StringIO()
    csv.writer(quoted).writerow([lane.name, lane.config.optimizer])  # quoted as csv quotes
    head = quoted.getvalue()[:-2]  # without csv's "\r\n"
    others = [(other, other.enabled) for other in session.lanes if other is not lane]
    for other, _ in others:
        other.enabled = False
    try:
        next_step = 0
        while True:
            # rows of the steps not yet written, then gone from the history (never thinned:
            # a chunk fits its buffers)
            scalars, params = lane.history.rows, lane.param_history.rows
            n = len(params)
            if (lane.history.decimations or lane.param_history.decimations
                    or len(scalars) != n
                    or not np.array_equal(params[:, 0], np.arange(next_step, next_step + n))
                    or not np.array_equal(scalars[:, 0], params[:, 0])):
                raise RuntimeError(f"lane {lane.name}: history rows were lost before being "
                                   f"written (steps from {next_step})")
            last = lane.t >= steps or not lane.running
            _write_rows(out, head, params, scalars[:, 2], every, last)
            next_step += n
            lane.history.clear()
            lane.param_history.clear()
            out.flush()
            if last:
                return
            session.step(min(chunk, steps - lane.t), trace=False)
    finally:
        for other, enabled in others:
            other.enabled = enabled


def _write_rows(out, head: str, params: np.ndarray, grad_norms: np.ndarray, every: int,
                last: bool) -> None:
    """CSV rows of (step, loss, *w) rows after ``head`` (the lane's quoted name and
    optimizer); with ``every`` > 1 only steps divisible by it, and the final row if
    ``last``. Numbers are written with repr, so they read back exactly; a list's str is
    the reprs of its items, made in C (a third faster than csv.writer on a network's rows,
    which is most of a CLI run's time), and they never need quoting."""
    if every > 1 and len(params):
        keep = params[:, 0] % every == 0
        if last:
            keep[-1] = True
        params, grad_norms = params[keep], grad_norms[keep]
    out.writelines(
        f"{head},{int(row[0])},{str([*row[1:2], g, *row[2:]])[1:-1].replace(' ', '')}\r\n"
        for row, g in zip(params.tolist(), grad_norms.tolist()))


def main(argv: list[str] | None = None) -> int:
    """The CLI; returns the exit status (2 for bad arguments, and for any error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser, takes_value, options = _build_parser()
        if argv[:1] == ["run"]:
            argv = argv[:1] + _attach_dash_values(argv[1:], takes_value, options)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help: argparse printed it
            return int(exc.code or 0)
        except CliError as exc:
            command = f" {argv[0]}" if argv[:1] in (["run"], ["list"]) else ""
            raise CliError(f"{exc} (see 'gdplay{command} --help')") from None
        if args.command == "list":
            _list(sys.stdout)
            return 0
        return _run(args)
    except (CliError, ValueError) as exc:
        # one line: an expression's message shows the text and a caret under it below
        message = str(exc).splitlines()[0].rstrip(":") if str(exc) else type(exc).__name__
        return _fail(message)
    except BrokenPipeError:
        # the reader went away (e.g. | head); keep the interpreter's last flush quiet
        _silence_stdout()
        return _fail("the output was closed before the run ended")
    except OSError as exc:
        filename = getattr(exc, "filename", None)
        return _fail(f"{exc.strerror or exc}" + (f": {filename}" if filename else ""))
    except ArithmeticError as exc:  # OverflowError, ZeroDivisionError
        return _fail(f"a number is out of range ({exc})")
    except RecursionError:
        return _fail("a setting is nested too deeply")
    except MemoryError:
        return _fail("out of memory (try a smaller network or fewer samples)")
    except KeyboardInterrupt:
        # rows written so far are in the file (it is flushed after each chunk)
        print("gdplay: interrupted", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    print(f"gdplay: error: {message}", file=sys.stderr)
    return 2


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a stdout with no file (tests)
        pass
