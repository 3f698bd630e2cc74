"""The headless CLI: CSV output, config files, clear one-line errors with exit status 2."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from gdplay import cli, run_settings
from gdplay.engine import make_problem
from gdplay.engine.session import LaneConfig, Session


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_run_writes_one_row_per_lane_and_step(tmp_path):
    out = tmp_path / "run.csv"
    code = cli.main(["run", "--problem", "rosenbrock", "--lane", "adam:lr=0.01",
                     "--lane", "sgd:lr=0.001,momentum=0.9", "--steps", "300", "--out", str(out)])
    assert code == 0
    rows = read_csv(out)
    assert rows[0] == ["lane", "optimizer", "step", "loss", "grad_norm", "p0", "p1"]
    assert len(rows) == 1 + 2 * 301
    assert rows[1][:3] == ["adam", "adam", "0"] and float(rows[1][3]) == 409.0
    # the numbers are the engine's, to the last bit
    s = Session(make_problem("rosenbrock"), [LaneConfig("adam", dict(lr=0.01))])
    s.step(300)
    last = rows[301]
    assert last[2] == "300"
    np.testing.assert_array_equal([float(last[5]), float(last[6])], s.lanes[0].w)


def test_config_file_gives_the_same_run(tmp_path):
    config = tmp_path / "run.json"
    config.write_text(json.dumps({
        "problem": "mlp", "options": {"dataset": "sine", "hidden": [4, 4], "n_samples": 32},
        "lanes": [{"optimizer": "adamw", "hparams": {"lr": 0.01, "betas": [0.9, 0.99]},
                   "name": "w"}],
        "steps": 20}))
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert cli.main(["run", "--config", str(config), "--out", str(a)]) == 0
    assert cli.main(["run", "--problem", "mlp", "--option", "dataset=sine", "--option",
                     "hidden=4/4", "--option", "n_samples=32", "--lane",
                     "w=adamw:lr=0.01,betas=0.9/0.99", "--steps", "20", "--out", str(b)]) == 0
    assert read_csv(a) == read_csv(b)
    assert len(read_csv(a)[0]) == 5 + (4 + 16 + 4)


@pytest.mark.parametrize("args,message", [
    (["run", "--problem", "nope", "--lane", "adam"], "unknown problem 'nope'"),
    (["run", "--problem", "rosenbrock", "--lane", "adam:lr=-1"], "lr = -1.0 is not allowed"),
    (["run", "--problem", "rosenbrock", "--lane", "adam:lr=abc"], "lr = 'abc' is not allowed"),
    (["run", "--problem", "rosenbrock", "--lane", "adam:speed=2"], "adam has no setting 'speed'"),
    (["run", "--problem", "rosenbrock", "--lane", "sgd:nesterov=true"], "needs momentum > 0"),
    (["run", "--problem", "rosenbrock"], "add at least one lane"),
    (["run", "--lane", "adam"], "choose a problem"),
    (["run", "--problem", "rosenbrock", "--lane", "adam", "--steps", "-5"], "--steps must be"),
    (["run", "--problem", "rosenbrock", "--lane", "adam", "--start", "1,x"], "--start must be"),
    (["run", "--problem", "rosenbrock", "--lane", "adam", "--start", "1,2,3"], "needs 2 values"),
    (["run", "--problem", "mlp", "--option", "dataset=mnist", "--lane", "adam"], "dataset = 'mnist'"),
    (["run", "--problem", "rosenbrock", "--lane", "adam", "--schedule", "warp"], "unknown schedule"),
    (["run", "--config", "/nonexistent/run.json"], "cannot read config"),
])
def test_bad_arguments_give_one_line_and_status_2(args, message, capsys):
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("content,message", [
    ("", "not valid JSON"),
    ("{\"problem\": 3}", "problem must be a str"),
    ("[1, 2]", "the top level must be a dict"),
    ("{\"lanes\": [{\"optimizer\": \"adam\", \"hparams\": {\"lr\": \"x\"}}], \"problem\": \"booth\"}",
     "lanes[0]: adam lr = 'x' is not allowed"),
    ("{\"lanes\": [{\"hparams\": {}}]}", "lanes[0].optimizer is missing"),
    ("{\"colour\": 1}", "unknown field 'colour'"),
    ("{\"format\": 2, \"problem\": \"booth\"}", "format 2 is not supported"),
    ("{\"format\": true, \"problem\": \"booth\"}", "format True is not supported"),
    ("{\"format\": 1.0, \"problem\": \"booth\"}", "format 1.0 is not supported"),
])
def test_bad_config_files_name_the_field(tmp_path, content, message, capsys):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert cli.main(["run", "--config", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_list_names_every_problem_and_optimizer(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("rosenbrock", "mlp", "reddi", "admm_adam", "rmsprop", "cosine"):
        assert name in out
    assert "betas = (0.9, 0.999)" in out


def test_the_cli_imports_no_qt(tmp_path):
    code = ("import sys\nfrom gdplay.__main__ import main\n"
            "rc = main(['run', '--problem', 'booth', '--lane', 'sgd:lr=0.01', '--steps', '5', "
            f"'--out', {str(tmp_path / 'x.csv')!r}])\n"
            "assert rc == 0\n"
            "print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- every step is written, streamed, in bounded memory (issue 19, item 8) ---------------

def steps_of(rows, lane):
    return [int(r[2]) for r in rows[1:] if r[0] == lane]


def with_small_history(monkeypatch, rows=16, on_step=None):
    """The CLI's sessions keep at most ``rows`` history rows a lane (the real sizes need a
    run of over 16 million parameter values to fill); ``on_step`` is called before each
    session step."""
    real = run_settings.Session

    class Small(real):
        def step(self, *args, **kwargs):
            if on_step is not None:
                on_step(self)
            return super().step(*args, **kwargs)

    def make(*args, **kwargs):
        kwargs.update(history_capacity=rows, param_history_floats=16)
        return Small(*args, **kwargs)

    monkeypatch.setattr(run_settings, "Session", make)


@pytest.mark.parametrize("problem,options", [
    ("rosenbrock", []),                                       # two parameters, on floats
    ("mlp", ["--option", "hidden=3/3", "--option", "n_samples=16"]),  # 27 parameters
])
def test_every_step_is_written_even_when_the_history_is_full(tmp_path, monkeypatch,
                                                             problem, options):
    full = tmp_path / "full.csv"
    assert cli.main(["run", "--problem", problem, *options, "--lane", "adam:lr=0.01",
                     "--lane", "sgd:lr=0.001", "--steps", "1000", "--out", str(full)]) == 0
    with_small_history(monkeypatch)
    small = tmp_path / "small.csv"
    assert cli.main(["run", "--problem", problem, *options, "--lane", "adam:lr=0.01",
                     "--lane", "sgd:lr=0.001", "--steps", "1000", "--out", str(small)]) == 0
    rows = read_csv(small)
    assert steps_of(rows, "adam") == steps_of(rows, "sgd") == list(range(1001))
    assert small.read_bytes() == full.read_bytes()  # the same bits, the same order


@pytest.mark.slow
def test_the_issue_network_run_writes_every_row(tmp_path):
    # 4,545 parameters: the history kept 3,039 of these 4,001 rows before (about 13 s)
    out = tmp_path / "run.csv"
    assert cli.main(["run", "--problem", "mlp", "--option", "dataset=temperature",
                     "--option", "hidden=64/64", "--lane", "adam", "--steps", "4000",
                     "--out", str(out)]) == 0
    with open(out, "rb") as f:
        steps = [int(line.split(b",", 3)[2]) for line in f.readlines()[1:]]  # no quoting here
    assert steps == list(range(4001))


def test_rows_reach_the_file_while_the_run_goes_on(tmp_path, monkeypatch):
    out = tmp_path / "run.csv"
    sizes = []
    with_small_history(monkeypatch, on_step=lambda s: sizes.append(out.stat().st_size))
    assert cli.main(["run", "--problem", "booth", "--lane", "adam", "--steps", "200",
                     "--out", str(out)]) == 0
    assert len(sizes) == 13  # 200 steps in chunks of 16
    assert sizes[0] > 0 and all(a < b for a, b in zip(sizes, sizes[1:]))  # flushed each time


def test_a_long_run_stays_in_bounded_memory(tmp_path):
    import tracemalloc

    peaks = []
    for steps in (5_000, 25_000):
        tracemalloc.start()
        try:
            assert cli.main(["run", "--problem", "rosenbrock", "--lane", "sgd:lr=0.001",
                             "--steps", str(steps), "--out", str(tmp_path / "run.csv")]) == 0
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    # measured: 1.8 and 1.7 MB (a chunk of 4,096 steps: its history and the rows being
    # written); the old CLI kept every step: 8.6 and 11.6 MB
    assert max(peaks) < 3_000_000
    assert len(read_csv(tmp_path / "run.csv")) == 1 + 25_001


def test_every_writes_every_nth_step_with_the_first_and_the_last(tmp_path):
    full, thin = tmp_path / "full.csv", tmp_path / "thin.csv"
    args = ["run", "--problem", "rosenbrock", "--lane", "adam:lr=0.01", "--lane",
            "sgd:lr=0.1", "--steps", "1000"]
    assert cli.main([*args, "--out", str(full)]) == 0
    assert cli.main([*args, "--every", "7", "--out", str(thin)]) == 0
    full_rows, thin_rows = read_csv(full), read_csv(thin)
    assert steps_of(thin_rows, "adam") == [*range(0, 1000, 7), 1000]
    assert steps_of(thin_rows, "sgd") == [0, 2]  # it diverged at step 2: its last row stays
    kept = {(r[0], r[2]) for r in thin_rows[1:]}
    assert thin_rows == [full_rows[0]] + [r for r in full_rows[1:] if (r[0], r[2]) in kept]
    one = tmp_path / "one.csv"
    assert cli.main([*args, "--every", "1", "--out", str(one)]) == 0
    assert one.read_bytes() == full.read_bytes()


@pytest.mark.parametrize("value", ["0", "-3", "x", "1.5", ""])
def test_bad_every_values_are_refused(value, capsys):
    assert cli.main(["run", "--problem", "booth", "--lane", "adam", "--every", value]) == 2
    err = capsys.readouterr().err.strip()
    assert "--every must be a whole number from 1 up" in err and len(err.splitlines()) == 1


def test_a_diverging_lane_ends_at_the_step_it_diverged(tmp_path, capsys):
    # sgd on the saddle leaves the bound at step 6915, in the second chunk of 4,096 steps
    out = tmp_path / "run.csv"
    assert cli.main(["run", "--problem", "saddle", "--start", "1,1", "--lane", "sgd",
                     "--lane", "adam", "--steps", "9000", "--out", str(out)]) == 0
    s = Session(make_problem("saddle"), [LaneConfig("sgd")], [1.0, 1.0])
    s.run_until(9000)
    k = s.lanes[0].diverged_at
    assert k == 6915
    rows = read_csv(out)
    assert steps_of(rows, "sgd") == list(range(k + 1))  # the diverging step's row included
    assert steps_of(rows, "adam") == list(range(9001))
    last = [r for r in rows if r[0] == "sgd"][-1]
    np.testing.assert_array_equal([float(last[5]), float(last[6])], s.lanes[0].w)
    assert f"lane sgd: diverged at step {k}" in capsys.readouterr().err


def test_standard_output_gets_the_same_rows(tmp_path, capsys):
    args = ["run", "--problem", "booth", "--lane", "adam", "--lane", "adam", "--steps", "50"]
    assert cli.main([*args, "--out", str(tmp_path / "run.csv")]) == 0
    capsys.readouterr()
    assert cli.main(args) == 0
    assert capsys.readouterr().out == (tmp_path / "run.csv").read_bytes().decode("utf-8")


# --- every error is one line and status 2, never a traceback ---------------------------

@pytest.mark.parametrize("config", [
    {"problem": "rosenbrock", "lanes": [{"optimizer": "adam"}], "start": [10 ** 400, 1]},
    {"problem": "rosenbrock", "lanes": [{"optimizer": "adam", "hparams": {"lr": 10 ** 400}}]},
    {"problem": "rosenbrock", "lanes": [{"optimizer": "adam", "schedule": {"kind": "cosine",
                                                                          "t_max": 10 ** 400}}]},
    {"problem": "mlp", "lanes": [{"optimizer": "adam"}], "options": {"noise": [1]}},
    {"problem": "mlp", "lanes": [{"optimizer": "adam"}], "options": {"noise": None}},
    {"problem": "mlp", "lanes": [{"optimizer": "adam"}], "options": {"noise": 10 ** 400}},
    {"problem": "mlp", "lanes": [{"optimizer": "adam"}], "options": {"clip": "none"}},
])
def test_config_values_that_broke_deeper_give_one_line(tmp_path, config, capsys):
    # these raised OverflowError or TypeError out of the CLI (the wording is settings.py's)
    path = tmp_path / "run.json"
    path.write_text(json.dumps(config))
    assert cli.main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gdplay: error: ") and len(err.splitlines()) == 1


def test_a_deeply_nested_config_gives_one_line(tmp_path, capsys):
    path = tmp_path / "run.json"
    path.write_text("[" * 100_000 + "]" * 100_000)  # RecursionError in json's decoder
    assert cli.main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gdplay: error: config ") and len(err.splitlines()) == 1


@pytest.mark.parametrize("args,message", [
    (["--lane", "adam", "--steps", "abc"], "argument --steps: invalid int value: 'abc'"),
    (["--lane", "adam", "--colour", "red"], "unrecognized arguments: --colour red"),
    (["--lane"], "argument --lane: expected one argument"),
])
def test_argparse_errors_give_one_line(args, message, capsys):
    assert cli.main(["run", "--problem", "rosenbrock", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "see 'gdplay run --help'" in err and len(err.splitlines()) == 1


def test_a_bad_expression_gives_one_line(capsys):
    assert cli.main(["run", "--problem", "custom", "--option", "expression=x+*y",
                     "--lane", "adam"]) == 2
    err = capsys.readouterr().err.strip()
    assert "at character 3" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("error,message", [
    (OverflowError("math range error"), "a number is out of range"),
    (RecursionError(), "nested too deeply"),
    (MemoryError(), "out of memory"),
    (IsADirectoryError(21, "Is a directory", "x"), "Is a directory: x"),
])
def test_errors_from_deep_inside_give_one_line(monkeypatch, error, message, capsys):
    def fail(*args, **kwargs):
        raise error
    monkeypatch.setattr(run_settings, "make_problem", fail)
    assert cli.main(["run", "--problem", "rosenbrock", "--lane", "adam"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_an_interrupted_run_keeps_the_rows_written(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run.csv"
    calls = []

    def on_step(session):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
    with_small_history(monkeypatch, on_step=on_step)
    assert cli.main(["run", "--problem", "booth", "--lane", "adam", "--steps", "200",
                     "--out", str(out)]) == 130
    assert capsys.readouterr().err.strip() == "gdplay: interrupted"
    assert steps_of(read_csv(out), "adam") == list(range(33))  # step 0 and two chunks


def test_a_closed_pipe_gives_one_line():
    code = ("from gdplay.cli import main\nimport sys\n"
            "sys.exit(main(['run', '--problem', 'booth', '--lane', 'adam', '--steps', '100000']))\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    with proc:
        proc.stdout.readline()
        proc.stdout.close()  # as | head does
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 2
    assert err.strip() == "gdplay: error: the output was closed before the run ended"


# --- values that start with '-' (issue 19, item 9) -------------------------------------

@pytest.mark.parametrize("start", [["--start", "-1.5,2"], ["--start=-1.5,2"], ["--sta", "-1.5,2"],
                                   ["--start", "-1.5,-2"], ["--start", "-1.5, 2"]])
def test_a_negative_start_works_as_written(tmp_path, start):
    out = tmp_path / "run.csv"
    assert cli.main(["run", "--problem", "rosenbrock", "--lane", "adam", *start,
                     "--steps", "3", "--out", str(out)]) == 0
    row = read_csv(out)[1]
    assert row[2] == "0" and float(row[5]) == -1.5 and abs(float(row[6])) == 2.0


def test_other_values_that_start_with_a_dash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--problem", "quartic", "--start", "-1.5", "--lane",
                     "-box=admm_adam:regularizer=box,lo=-2,hi=-1", "--option", "noise=0",
                     "--steps", "2", "--out", "-dash.csv"]) == 0
    rows = read_csv(tmp_path / "-dash.csv")
    assert rows[1][:3] == ["-box", "admm_adam", "0"] and float(rows[1][5]) == -1.5


@pytest.mark.parametrize("args,message", [
    (["--start", "--lane", "adam"], "argument --start: expected one argument"),  # still missing
    (["--lane", "adam", "--steps", "-5"], "--steps must be"),
    (["--lane", "adam", "--start", "-x,2"], "--start must be numbers"),
    (["--lane", "adam", "--every", "-2"], "--every must be"),
])
def test_dash_values_still_get_their_own_messages(args, message, capsys):
    assert cli.main(["run", "--problem", "rosenbrock", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


# --- python -m gdplay WORD (issue 19, item 10) -----------------------------------------

@pytest.fixture
def app_calls(monkeypatch):
    """gdplay.app.main replaced: the arguments it would get, and no window."""
    import gdplay.app

    calls = []
    monkeypatch.setattr(gdplay.app, "main", lambda argv=None: calls.append(argv) or 0)
    return calls


@pytest.mark.parametrize("word", ["rnu", "runs", "List", "window", "x.csv", ""])
def test_an_unknown_command_is_refused_without_opening_the_window(word, app_calls, capsys):
    from gdplay.__main__ import main

    assert main([word, "--steps", "3"]) == 2
    err = capsys.readouterr().err.strip()
    assert f"unknown command {word!r}" in err and "run, list" in err
    assert len(err.splitlines()) == 1 and app_calls == []


@pytest.mark.parametrize("argv", [[], ["--self-test"], ["-style", "fusion"],
                                  ["--startup-probe", "123.5"], ["-platform", "offscreen"]])
def test_window_options_still_reach_the_app(argv, app_calls):
    from gdplay.__main__ import main

    assert main(argv) == 0
    assert app_calls == [[sys.argv[0], *argv]]


def test_commands_reach_the_cli(app_calls, capsys):
    from gdplay.__main__ import main

    assert main(["list"]) == 0 and "rosenbrock" in capsys.readouterr().out
    assert main(["run", "--problem", "nope", "--lane", "adam"]) == 2
    assert app_calls == []
