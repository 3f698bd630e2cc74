"""The headless CLI: CSV output, config files, clear one-line errors with exit status 2."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from gdplay import cli
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
