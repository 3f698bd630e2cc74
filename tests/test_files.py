"""Files from outside (sessions, lessons, configs): whatever a file holds, opening it
either gives a session that works or a SettingsError naming the file and the field;
never a crash, a hang or a half-built session. Saving keeps modes and symbolic links."""

import copy
import json
import os
import stat
import threading

import numpy as np
import pytest

from gdplay.cli import load_config
from gdplay.engine import make_problem
from gdplay.engine.session import Breakpoint, LaneConfig, Session
from gdplay.lessons import lessons_dir, load_lesson, load_lessons
from gdplay.persist import load_session, save_session, session_from_dict, session_to_dict
from gdplay.settings import SettingsError, parse_json


# --- sessions to damage ---------------------------------------------------------------------


def rosenbrock_session():
    """Every optimizer in its less common settings, an lr change, a colour, a disabled lane,
    a diverged lane (the last), ADMM-Adam after outer updates, a schedule; breakpoints."""
    s = Session(make_problem("rosenbrock"), [
        LaneConfig("sgd", dict(lr=0.0001, momentum=0.9, nesterov=True)),
        LaneConfig("adam", dict(lr=0.01, amsgrad=True), color="#0072B2"),
        LaneConfig("adamw", {}, enabled=False),
        LaneConfig("amsgrad", dict(variant="reddi")),
        LaneConfig("rmsprop", dict(centered=True, momentum=0.5)),
        LaneConfig("adagrad", {}, schedule={"kind": "step", "step_size": 5, "gamma": 0.5}),
        LaneConfig("admm_adam", dict(inner_steps=3, balance=True)),
        LaneConfig("sgd", dict(lr=0.5), name="boom")], checkpoint_every=8)
    s.step(10)
    s.lanes[1].set_hparams(lr=0.02, betas=(0.8, 0.99))
    s.step(10)
    assert s.lanes[-1].status == "diverged" and s.lanes[0].status == "running"
    return s, [Breakpoint("loss_below", 0.01, "adam"), Breakpoint("step", 100.0),
               Breakpoint("loss_up", None, None, False)]


def network_session():
    s = Session(make_problem("mlp", dataset="sine", hidden=(3, 2), activation="tanh",
                             n_samples=16, batch_size=4, bias=True, noise=0.01, clip=1.0, seed=3), [
        LaneConfig("adam", dict(lr=0.02)),
        LaneConfig("admm_adam", dict(inner_steps=2, regularizer="topk", k=2)),
        LaneConfig("sgd", dict(lr=0.05), schedule={"kind": "cosine", "t_max": 50})])
    s.step(12)
    return s, []


def saved(make=rosenbrock_session):
    """A saved session as version 1 wrote it (histories as lists of numbers, which the
    damage table edits); version 2's tables are damaged by the generator below."""
    s, bps = make()
    return as_version_1(session_to_dict(s, bps))


def as_version_1(data):
    from gdplay.persist import _decode_table
    data = copy.deepcopy(data)
    data["version"] = 1
    for lane in data["lanes"]:
        for name in ("history", "param_history", "residuals"):
            table = lane[name]
            lane[name] = _decode_table(table, table["cols"], name, "test").tolist()
    return data


def write(path, data, raw=None):
    """``data`` as a session file; "@@RAW@@" in it replaced by the text ``raw`` (what
    json.dumps cannot write: 5000-digit numbers, deep nesting)."""
    text = json.dumps(data, allow_nan=True)
    if raw is not None:
        text = text.replace('"@@RAW@@"', raw)
    path.write_text(text, encoding="utf-8")
    return path


RAW = "@@RAW@@"
DEEP_LIST_50K = "[" * 50_000 + "]" * 50_000
DEEP_DICT_5K = '{"a": ' * 5000 + "1" + "}" * 5000
DIGITS_5000 = "1" + "0" * 5000


# --- a generator of damaged files ---------------------------------------------------------

# what a field is replaced by: wrong types, out of range, huge, non-finite, deep, long
VALUES = {"str": "abc", "empty str": "", "dict": {}, "list": [], "null": None, "true": True,
          "1.5": 1.5, "-5": -5, "0": 0, "2**40": 2 ** 40, "10**19": 10 ** 19,
          "nested 12": [[[[[[[[[[[[1.0]]]]]]]]]]]], "long text": "x" * 20_000,
          "control": "a\x00b", "array of 1": {"__array__": [1.0]}}
RAW_VALUES = {"NaN": "NaN", "-Infinity": "-Infinity", "1e999": "1e999",
              "5000 digits": DIGITS_5000, "deep list": "[" * 30 + "]" * 30}


def _paths(obj, prefix=()):
    """Every field and list item of a saved file (of a long list, the first and last)."""
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(obj, list):
        for i in (range(len(obj)) if len(obj) <= 3 else (0, len(obj) - 1)):
            yield from _paths(obj[i], prefix + (i,))


def damaged_files(data, values=VALUES, raw_values=RAW_VALUES, where=lambda path: True):
    """(what was done, file text) for every field of ``data`` (``where`` its path is
    chosen): replaced by each of ``values`` and ``raw_values``, removed, given an extra
    field, made shorter or longer."""
    for path in _paths(data):
        if not path or not where(path):
            continue
        for kind, replacements in (("set", values), ("raw", raw_values), ("del", {"": 0}),
                                   ("extra", {"": 0}), ("shorter", {"": 0}), ("longer", {"": 0})):
            for name, replacement in replacements.items():
                d = copy.deepcopy(data)
                parent = d
                for key in path[:-1]:
                    parent = parent[key]
                key = path[-1]
                value = parent[key]
                raw = None
                if kind == "set":
                    parent[key] = copy.deepcopy(replacement)
                elif kind == "raw":
                    parent[key], raw = RAW, replacement
                elif kind == "del" and isinstance(parent, dict):
                    del parent[key]
                elif kind == "extra" and isinstance(value, dict):
                    value["zzz"] = 1
                elif kind in ("shorter", "longer") and isinstance(value, list) and value:
                    parent[key] = value[:-1] if kind == "shorter" else value + value[-1:]
                else:
                    continue
                text = json.dumps(d, allow_nan=True)
                if raw is not None:
                    text = text.replace(f'"{RAW}"', raw)
                yield f"{'.'.join(map(str, path))} {kind} {name}", text


# --- reading files: only regular files, honest messages (item 22) ----------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.gdplay"
    os.mkfifo(fifo)
    result = []

    def load():
        try:
            load_session(fifo)
        except SettingsError as exc:
            result.append(str(exc))
    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # blocked in open(): give it a writer so the thread can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(10)
        pytest.fail("opening a FIFO waited for a writer")
    assert result and "not a regular file" in result[0]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused_before_reading():
    with pytest.raises(SettingsError, match="/dev/zero: it is not a regular file"):
        load_session("/dev/zero")
    with pytest.raises(SettingsError, match="it is not a regular file"):
        load_lesson("/dev/zero")
    with pytest.raises(SettingsError, match="it is not a regular file"):
        load_config("/dev/zero")


def test_a_folder_or_a_missing_file_is_named_as_such(tmp_path):
    with pytest.raises(SettingsError, match="it is a folder, not a file"):
        load_session(tmp_path)
    with pytest.raises(SettingsError, match="no such file"):
        load_session(tmp_path / "missing.gdplay")


def test_permission_denied_is_not_called_invalid_json(tmp_path, monkeypatch):
    path = write(tmp_path / "locked.gdplay", saved())
    if os.geteuid() != 0:  # root reads anything: then the open is made to fail as it would
        path.chmod(0)
    else:
        real_open = os.open

        def denied(p, *args, **kwargs):
            if str(p) == str(path):
                raise PermissionError(13, "Permission denied", str(p))
            return real_open(p, *args, **kwargs)
        monkeypatch.setattr(os, "open", denied)
    with pytest.raises(SettingsError, match="locked.gdplay: permission denied"):
        load_session(path)


def test_brackets_and_escapes_inside_texts_are_not_nesting(tmp_path):
    s, _ = network_session()
    s.lanes[0].name = s.lanes[0].config.name = '[[[[{{{{\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\'
    save_session(tmp_path / "brackets.gdplay", s)
    assert load_session(tmp_path / "brackets.gdplay")[0].lanes[0].name == s.lanes[0].name
    data = lesson_data()
    data["explanation"]["en"] = "x in [0, 1) " + "[" * 500 + ' "quoted" \\ ' + "{" * 500
    (tmp_path / "lesson.json").write_text(json.dumps(data), encoding="utf-8")
    assert load_lesson(tmp_path / "lesson.json").explanation["en"] == data["explanation"]["en"]


# --- lessons: a damaged one is listed, never stops the app (item 25) -------------------------

def lesson_data():
    return json.loads((lessons_dir() / "01_convex_nonconvex.json").read_text(encoding="utf-8"))


def lesson_field(**fields):
    return lambda d: d.update(fields)


DAMAGED_LESSONS = {
    "90,000-deep list": (lesson_field(view=RAW), "[" * 90_000 + "]" * 90_000,
                         "nests deeper than 20"),
    "5000-digit number": (lesson_field(speed=RAW), DIGITS_5000, "more than 20 digits"),
    "no lanes": (lesson_field(lanes=[]), None, "lanes is empty"),
    "speed NaN": (lesson_field(speed=RAW), "NaN", "NaN is not allowed"),
    "speed 1e999": (lesson_field(speed=RAW), "1e999", "too large for a float"),
    "speed huge": (lesson_field(speed=1e12), None, "speed must be from 0 to 1000000"),
    "format true": (lesson_field(format=True), None, "format must be 1, got True"),
    "id with a space": (lesson_field(id="a b"), None, "id must be 1 to 64 letters"),
    "title 300 characters": (lambda d: d["title"].update(en="t" * 300), None,
                             r"title\.en is 300 characters long \(at most 200\)"),
    "title with a line break": (lambda d: d["title"].update(en="a\nb"), None,
                                r"title\.en holds a control character"),
    "explanation 30,000 characters": (lambda d: d["explanation"].update(en="e" * 30_000), None,
                                      r"\(at most 20000\)"),
    "explanation with a NUL": (lambda d: d["explanation"].update(en="a\x00b"), None,
                               "control character"),
    "unknown language": (lambda d: d["title"].update(de=5), None,
                         "title has unknown language 'de'"),
    "lane name with an escape": (lambda d: d["lanes"][0].update(name="a\x1bb"), None,
                                 r"lanes\[0\]\.name holds a control character"),
    "lane name 100 characters": (lambda d: d["lanes"][0].update(name="n" * 100), None,
                                 r"\(at most 64\)"),
    "view log_scale 'yes'": (lesson_field(view={"log_scale": "yes"}), None,
                             "view.log_scale must be a bool"),
    "view unknown": (lesson_field(view={"zoom": 2}), None, "view has unknown field 'zoom'"),
    "options seed 1.5": (lesson_field(options={"seed": 1.5}), None, "seed = 1.5 is not allowed"),
    "hparams momentum true": (lambda d: d["lanes"][1]["hparams"].update(momentum=True), None,
                              "momentum = True is not allowed"),
    "65 lanes": (lambda d: d.update(lanes=d["lanes"] * 33), None, "lanes holds 66 lanes"),
}


@pytest.mark.parametrize("name", DAMAGED_LESSONS)
def test_a_damaged_lesson_is_listed_as_damaged_with_a_message(tmp_path, name):
    change, raw, message = DAMAGED_LESSONS[name]
    data = lesson_data()
    change(data)
    write(tmp_path / "a_bad.json", data, raw)
    good = json.dumps(lesson_data() | {"id": "good"})
    (tmp_path / "b_good.json").write_text(good, encoding="utf-8")
    lessons, errors = load_lessons(tmp_path)  # never raises
    assert [l.id for l in lessons] == ["good"]
    assert len(errors) == 1 and "a_bad.json" in errors[0]
    with pytest.raises(SettingsError, match=message):
        load_lesson(tmp_path / "a_bad.json")


def test_two_lessons_of_one_id_list_the_second_as_damaged(tmp_path):
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(lesson_data()), encoding="utf-8")
    lessons, errors = load_lessons(tmp_path)
    assert len(lessons) == 1 and len(errors) == 1 and "b.json" in errors[0]


def test_every_field_of_a_lesson_damaged_is_listed_or_runs(tmp_path):
    data = json.loads((lessons_dir() / "10_admm_adam.json").read_text(encoding="utf-8"))
    failures = []
    for what, text in damaged_files(data):
        (tmp_path / "x.json").write_text(text, encoding="utf-8")
        try:
            lessons, errors = load_lessons(tmp_path)
            assert len(lessons) + len(errors) == 1
            for lesson in lessons:
                s = Session(make_problem(lesson.problem, **lesson.options),
                            copy.deepcopy(list(lesson.lanes)), lesson.start)
                s.step(10)
            if errors:
                with pytest.raises(SettingsError):
                    load_lesson(tmp_path / "x.json")
        except Exception as exc:  # noqa: BLE001 - collected: the test lists every one
            failures.append(f"{what}: {type(exc).__name__}: {str(exc)[:200]}")
    assert failures == []


# --- CLI configs: the same rules -------------------------------------------------------------

CONFIG = {"problem": "booth", "options": {"seed": 1},
          "lanes": [{"optimizer": "adam", "hparams": {"lr": 0.01}, "name": "a"}], "steps": 10}

DAMAGED_CONFIGS = {
    "lr NaN": (lambda d: d["lanes"][0]["hparams"].update(lr=RAW), "NaN", "NaN is not allowed"),
    "lr 1e999": (lambda d: d["lanes"][0]["hparams"].update(lr=RAW), "1e999",
                 "too large for a float"),
    "steps 5000 digits": (lambda d: d.update(steps=RAW), DIGITS_5000, "more than 20 digits"),
    "steps true": (lambda d: d.update(steps=True), None, "steps must be a int, got bool"),
    "steps 2**40": (lambda d: d.update(steps=2 ** 40), None, "steps must be from 0 to"),
    "deep nesting": (lambda d: d.update(options=RAW), "[" * 50_000 + "]" * 50_000, "nests deeper"),
    "seed 1.5": (lambda d: d["options"].update(seed=1.5), None, "seed = 1.5 is not allowed"),
    "seed 10**12": (lambda d: d["options"].update(seed=10 ** 12), None, "at most 2000000000"),
    "option of no problem": (lambda d: (d.pop("problem"), d["options"].update(zzz=1)), None,
                             "problem has no option 'zzz'"),
    "lane name with a tab": (lambda d: d["lanes"][0].update(name="a\tb"), None,
                             "control character"),
    "schedule kind a list": (lambda d: d.update(schedule={"kind": ["cosine"]}), None,
                             "schedule.kind must be one of"),
    "start Infinity": (lambda d: d.update(start=[RAW, 1]), "Infinity", "Infinity is not allowed"),
}


@pytest.mark.parametrize("name", DAMAGED_CONFIGS)
def test_a_damaged_config_is_refused_with_the_field_named(tmp_path, name):
    change, raw, message = DAMAGED_CONFIGS[name]
    data = copy.deepcopy(CONFIG)
    change(data)
    path = write(tmp_path / "run.json", data, raw)
    with pytest.raises(SettingsError, match=message):
        load_config(str(path))


# --- damaged sessions, field by field (items 11, 20, 21, 26) ---------------------------------

def lane(i, **fields):
    return lambda d: d["lanes"][i].update(fields)


def state(i, **fields):
    return lambda d: d["lanes"][i]["optimizer_state"]["state"].update(fields)


def breakpoint_(j, **fields):
    return lambda d: d["breakpoints"][j].update(fields)


ADMM, BOOM = 6, 7  # lanes of rosenbrock_session

# (change, raw text for "@@RAW@@", what the message must say); issue 19's items 11, 20, 21, 26
DAMAGED_SESSIONS = {
    "enabled 'yes'": (lane(0, enabled="yes"), None, r"lanes\[0\]\.enabled must be a bool"),
    "enabled {}": (lane(0, enabled={}), None, r"lanes\[0\]\.enabled must be a bool"),
    "enabled 1": (lane(0, enabled=1), None, r"lanes\[0\]\.enabled must be a bool"),
    "history {}": (lane(0, history={}), None, r"lanes\[0\]\.history must be a list"),
    "diverged_at -5": (lane(BOOM, diverged_at=-5), None, r"lanes\[7\]\.diverged_at must be from 0"),
    "diverged_at beyond t": (lane(BOOM, diverged_at=10 ** 6), None, r"diverged_at must be from 0"),
    "diverged_at on a running lane": (lane(0, diverged_at=3), None, "must be null for a running"),
    "color 5": (lane(1, color=5), None, r"lanes\[1\]\.color must be a colour"),
    "color 'red'": (lane(1, color="red"), None, "color must be a colour"),
    "color #12345": (lane(1, color="#12345"), None, "color must be a colour"),
    "color #1234567g": (lane(1, color="#1234567g"), None, "color must be a colour"),
    "color #rrggbbaa": (lane(1, color="#0072B2FF"), None, "color must be a colour"),
    "reason 5": (lane(BOOM, reason=5), None, r"lanes\[7\]\.reason must be a str"),
    "reason 5000 characters": (lane(BOOM, reason="x" * 5000), None,
                               r"reason is 5000 characters long \(at most 200\)"),
    "t Infinity": (lane(0, t=RAW), "Infinity", r"lanes\[0\]\.t must be a int, got float"),
    "t 2**40": (lane(0, t=2 ** 40), None, r"lanes\[0\]\.t must be from 0 to 1000000000"),
    "t -1": (lane(0, t=-1), None, r"lanes\[0\]\.t must be from 0"),
    "t true": (lane(0, t=True), None, r"lanes\[0\]\.t must be a int, got bool"),
    "t 5000 digits": (lane(0, t=RAW), DIGITS_5000, "a whole number has more than 20 digits"),
    "seed Infinity": (lambda d: d["options"].update(seed=RAW), "Infinity",
                      "seed = inf is not allowed"),
    "seed 1.5": (lambda d: d["options"].update(seed=1.5), None, "seed = 1.5 is not allowed"),
    "seed 10**12": (lambda d: d["options"].update(seed=10 ** 12), None, "at most 2000000000"),
    "seed true": (lambda d: d["options"].update(seed=True), None, "seed = True is not allowed"),
    "options 50k-deep list": (lambda d: d["options"].update(noise=RAW), DEEP_LIST_50K,
                              "nests deeper than 20 levels"),
    "hparam_log Infinity step": (lambda d: d["lanes"][1]["hparam_log"][0].__setitem__(0, RAW),
                                 "Infinity", r"lanes\[1\]\.hparam_log\[0\]\[0\] must be a int"),
    "hparam_log 5k-deep dict": (lambda d: d["lanes"][1]["hparam_log"][0].__setitem__(1, RAW),
                                DEEP_DICT_5K, "nests deeper than 20 levels"),
    "hparam_log step beyond t": (lambda d: d["lanes"][1]["hparam_log"][0].__setitem__(0, 21),
                                 None, r"hparam_log\[0\]\[0\] must be from 0 to 20"),
    "hparam_log bad value": (lambda d: d["lanes"][1]["hparam_log"][0][1].update(lr=-1), None,
                             r"hparam_log\[0\]: adam lr = -1 is not allowed"),
    "hparam_log unknown setting": (lambda d: d["lanes"][1]["hparam_log"][0][1].update(speed=1),
                                   None, "adam has no setting 'speed'"),
    "hparam_log not a pair": (lambda d: d["lanes"][1].update(hparam_log=[[3]]), None,
                              r"hparam_log\[0\] must be \[step, \{changes\}\]"),
    "exp_avg 'abc'": (state(1, exp_avg="abc"), None,
                      r"lanes\[1\]\.optimizer_state\.state\.exp_avg: must be a list of numbers, got str"),
    "exp_avg of strings": (state(1, exp_avg={"__array__": ["1", "2"]}), None,
                           "exp_avg must hold only numbers"),
    "exp_avg of bools": (state(1, exp_avg={"__array__": [True, False]}), None,
                         "exp_avg must hold only numbers"),
    "momentum_buffer 'x'": (state(0, momentum_buffer="x"), None,
                            r"state\.momentum_buffer: must be a list of numbers"),
    "state t 300.7": (state(0, t=300.7), None, r"optimizer_state\.state\.t: must be a whole number >= 0, got 300\.7"),
    "state t another step": (state(0, t=19), None, r"state\.t: is 19, but the run is at step 20"),
    "state t missing": (lambda d: d["lanes"][0]["optimizer_state"]["state"].pop("t"), None,
                        r"optimizer_state\.state\.t: missing"),
    "state unknown entry": (state(1, square_avg={"__array__": [1.0, 2.0]}), None,
                            "unknown entry 'square_avg'"),
    "state hparams wrong": (lambda d: d["lanes"][0]["optimizer_state"]["hparams"].update(
        momentum="x"), None, "momentum = 'x' is not allowed"),
    "admm z wrong size": (state(ADMM, z={"__array__": [1.0]}), None,
                          r"state\.z: needs 2 numbers \(one a parameter\), got 1"),
    "admm adam missing": (lambda d: d["lanes"][ADMM]["optimizer_state"]["state"].pop("adam"),
                          None, "must hold rho, z, u, inner, outer, adam after the first step"),
    "admm adam.t other": (lambda d: d["lanes"][ADMM]["optimizer_state"]["state"]["adam"].update(
        t=3), None, r"state\.adam\.t: is 3, but the run is at step 20"),
    "admm inner -1": (state(ADMM, inner=-1), None, r"state\.inner: must be a whole number from 0 to 20, got -1"),
    "admm outer 2**40": (state(ADMM, outer=2 ** 40), None, r"state\.outer: must be a whole number from 0 to 20"),
    "admm rho 0": (state(ADMM, rho=0), None, r"state\.rho: must be a number > 0, got 0"),
    "admm rho NaN": (state(ADMM, rho=RAW), "NaN", r"state\.rho: must be a number > 0, got nan"),
    "admm converged 'yes'": (state(ADMM, converged="yes"), None, r"state\.converged: must be true or false, got 'yes'"),
    "admm residuals half": (lambda d: d["lanes"][ADMM]["optimizer_state"]["state"].pop("eps_pri"),
                            None, "must hold all of primal_residual"),
    "w Infinity on a running lane": (lambda d: d["lanes"][0]["w"].__setitem__(0, RAW),
                                     "Infinity", "is marked running, but a parameter is not"),
    "w out of bound on a running lane": (lambda d: d["lanes"][0]["w"].__setitem__(0, 1e300), None,
                                         r"lanes\[0\] is marked running, but a parameter left"),
    "w of strings": (lane(0, w=["1", "2"]), None, r"lanes\[0\]\.w must hold only numbers"),
    "history beyond t": (lambda d: d["lanes"][0]["history"].append([21.0, 1.0, 1.0]), None,
                         r"history steps must be whole numbers from 0 to the lane's t \(20\)"),
    "history step 1.5": (lambda d: d["lanes"][0]["history"][1].__setitem__(0, 1.5), None,
                         "history steps must be whole numbers"),
    "history step NaN": (lambda d: d["lanes"][0]["history"][1].__setitem__(0, RAW), "NaN",
                         "history steps must be whole numbers"),
    "history ragged": (lambda d: d["lanes"][0]["history"][1].append(1.0), None,
                       r"history must be rows of 3 numbers"),
    "history of strings": (lambda d: d["lanes"][0]["history"][1].__setitem__(1, "1"), None,
                           r"history must be rows of 3 numbers"),
    "param_history wrong width": (lambda d: d["lanes"][0]["param_history"][1].pop(), None,
                                  "param_history must be rows of 4 numbers"),
    "version true": (lambda d: d.update(version=True), None, "version True is not supported"),
    "version 1.0": (lambda d: d.update(version=1.0), None, "version 1.0 is not supported"),
    "name 20,000 characters": (lane(0, name="n" * 20_000), None,
                               r"lanes\[0\]\.name is 20000 characters long \(at most 64\)"),
    "name with a bell": (lane(0, name="a\x07b"), None,
                         r"lanes\[0\]\.name holds a control character \(U\+0007\)"),
    "name with a line break": (lane(0, name="a\nb"), None, "control character"),
    "name twice": (lane(1, name="sgd"), None,
                   r"lanes\[1\]\.name 'sgd' is the name of lanes\[0\] too"),
    "name 5": (lane(0, name=5), None, r"lanes\[0\]\.name must be a str"),
    "unknown lane field": (lane(0, colour="#000000"), None,
                           r"lanes\[0\] has unknown field 'colour'"),
    "unknown top field": (lambda d: d.update(extra=1), None,
                          "the top level has unknown field 'extra'"),
    "w missing": (lambda d: d["lanes"][0].pop("w"), None, r"lanes\[0\]\.w is missing"),
    "65 lanes": (lambda d: d.update(lanes=[copy.deepcopy(d["lanes"][0]) for _ in range(65)]), None,
                 "lanes holds 65 lanes"),
    "schedule kind a list": (lane(0, schedule={"kind": ["x"]}), None,
                             r"lanes\[0\]\.schedule\.kind must be one of"),
    "schedule setting 10**12": (lane(5, schedule={"kind": "step", "step_size": 10 ** 12}), None,
                                "step_size = 1000000000000 is not allowed: at most 2000000000"),
    "inner_steps a float": (lambda d: d["lanes"][ADMM]["hparams"].update(inner_steps=2.5), None,
                            "inner_steps = 2.5 is not allowed"),
    "breakpoint kind 5": (breakpoint_(0, kind=5), None, r"breakpoints\[0\]\.kind must be one of"),
    "breakpoint value 'x'": (breakpoint_(0, value="x"), None,
                             r"breakpoints\[0\]\.value must be a int or float"),
    "breakpoint value Infinity": (breakpoint_(0, value=RAW), "Infinity",
                                  r"breakpoints\[0\]\.value must be a finite"),
    "breakpoint value missing": (lambda d: d["breakpoints"][1].pop("value"), None,
                                 r"breakpoints\[1\]\.value is missing"),
    "breakpoint enabled 'yes'": (breakpoint_(0, enabled="yes"), None,
                                 r"breakpoints\[0\]\.enabled must be a bool"),
    "breakpoint lane 5": (breakpoint_(0, lane=5), None, r"breakpoints\[0\]\.lane must be a str"),
    "breakpoint lane 1000 characters": (breakpoint_(0, lane="l" * 1000), None, r"\(at most 64\)"),
    "breakpoint twice": (lambda d: d["breakpoints"].append(dict(d["breakpoints"][0])), None,
                         r"breakpoints\[3\] is a second loss_below breakpoint"),
    "breakpoint unknown field": (breakpoint_(0, colour=1), None,
                                 r"breakpoints\[0\] has unknown field"),
}


@pytest.mark.parametrize("name", DAMAGED_SESSIONS)
def test_a_damaged_session_is_refused_naming_the_file_and_the_field(tmp_path, name):
    change, raw, message = DAMAGED_SESSIONS[name]
    data = saved()
    change(data)
    path = write(tmp_path / "bad.gdplay", data, raw)
    with pytest.raises(SettingsError, match=message) as info:
        load_session(path)
    assert "bad.gdplay" in str(info.value)


def test_the_damage_table_starts_from_a_file_that_loads(tmp_path):
    path = write(tmp_path / "good.gdplay", saved())
    session, breakpoints = load_session(path)
    assert len(session.lanes) == 8 and len(breakpoints) == 3


# --- every field of a session damaged (item 26) ----------------------------------------------

def open_and_use(text: str, name: str = "damaged.gdplay"):
    """Refused with SettingsError naming the file, or loaded into a session that steps
    10 steps (to a breakpoint at most), goes back to step 0 and saves into a file that
    loads. Which one. (As load_session and save_session, without the disk: thousands of
    files.)"""
    where = f"session file {name}"
    try:
        session, breakpoints = session_from_dict(
            parse_json(text.encode("utf-8"), where, allow_non_finite=True), where)
    except SettingsError as exc:
        assert name in str(exc), str(exc)
        return "refused"
    session.step(10, breakpoints=breakpoints)
    session.restore(0)
    again = json.dumps(session_to_dict(session, breakpoints), allow_nan=True)
    session_from_dict(parse_json(again.encode("utf-8"), where, allow_non_finite=True), where)
    return "loaded"


def _network_fields(path):
    """Of the network session: its options and its ADMM-Adam lane (top-k) but that lane's
    histories; the Rosenbrock session damages every other kind of field (a network step
    costs more)."""
    return path[0] in ("options", "start") or (path[:2] == ("lanes", 1) and (
        len(path) < 3 or path[2] not in ("history", "param_history", "residuals")))


@pytest.mark.parametrize("make,where", [(rosenbrock_session, lambda path: True),
                                        (network_session, _network_fields)])
def test_every_field_damaged_is_refused_or_loads_into_a_working_session(make, where):
    data = session_to_dict(*make())
    outcomes, failures = {"refused": 0, "loaded": 0}, []
    for what, text in damaged_files(data, where=where):
        try:
            outcomes[open_and_use(text)] += 1
        except Exception as exc:  # noqa: BLE001 - collected: the test lists every one
            failures.append(f"{what}: {type(exc).__name__}: {str(exc)[:200]}")
    assert failures == []
    assert outcomes["refused"] > 500 and outcomes["loaded"] > 100, outcomes


# --- sessions that must still load -----------------------------------------------------------

def test_save_load_save_gives_the_same_bytes(tmp_path):
    for make in (rosenbrock_session, network_session):
        s, bps = make()
        first, second = tmp_path / "first.gdplay", tmp_path / "second.gdplay"
        save_session(first, s, bps)
        save_session(second, *load_session(first))
        assert first.read_bytes() == second.read_bytes()


def test_a_loaded_lane_keeps_the_settings_it_runs_with_as_a_live_one_does(tmp_path):
    s, bps = rosenbrock_session()
    save_session(tmp_path / "a.gdplay", s, bps)
    loaded, _ = load_session(tmp_path / "a.gdplay")
    assert loaded.lanes[1].config.hparams == s.lanes[1].config.hparams
    assert loaded.lanes[1].config.hparams["lr"] == 0.02  # changed at step 10; 0.01 before


def test_a_large_network_session_with_long_histories_loads(tmp_path):
    problem = make_problem("mlp", dataset="temperature", hidden=(64, 64), bias=True)
    s = Session(problem, [LaneConfig("adam", dict(lr=0.001)), LaneConfig("sgd", dict(lr=0.01)),
                          LaneConfig("admm_adam", dict(lr=0.001))])
    s.step(400, trace=False)
    path = tmp_path / "net.gdplay"
    save_session(path, s)
    assert path.stat().st_size > 5_000_000  # rows of 4,481 parameters, the optimizer states
    loaded, _ = load_session(path)
    loaded.step(5)
    s.step(5)
    for a, b in zip(s.lanes, loaded.lanes):
        np.testing.assert_array_equal(a.w, b.w)


# --- saving: modes and links kept, the folder synced (item 28) -------------------------------

@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o666])
def test_saving_over_a_file_keeps_its_mode(tmp_path, mode):
    path = tmp_path / "run.gdplay"
    s, _ = network_session()
    save_session(path, s)
    path.chmod(mode)
    s.step(1)
    save_session(path, s)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert load_session(path)[0].lanes[0].t == 13


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_a_new_file_gets_the_mode_a_normal_open_gives(tmp_path):
    old = os.umask(0o027)
    try:
        save_session(tmp_path / "new.gdplay", network_session()[0])
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.gdplay").stat().st_mode) == 0o640


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_saving_through_a_symbolic_link_updates_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "run.gdplay"
    link = tmp_path / "link.gdplay"
    s, _ = network_session()
    save_session(target, s)
    link.symlink_to(target)
    s.step(1)
    save_session(link, s)
    assert link.is_symlink() and link.resolve() == target
    assert load_session(target)[0].lanes[0].t == 13
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.gdplay", "real"]
    assert [p.name for p in (tmp_path / "real").iterdir()] == ["run.gdplay"]


@pytest.mark.skipif(os.name != "posix", reason="folders are synced on POSIX")
def test_the_folder_is_synced_after_the_rename(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    save_session(tmp_path / "run.gdplay", network_session()[0])
    assert synced == [False, True]  # the file, then its folder


def test_going_back_after_opening_replays_from_a_saved_checkpoint(tmp_path, monkeypatch):
    # a loaded lane had checkpoints at 0 and t only: going back in a long run replayed it
    # from step 0
    from gdplay.persist import SAVED_CHECKPOINTS
    s = Session(make_problem("rosenbrock"), [LaneConfig("adam", dict(lr=0.01)),
                                             LaneConfig("sgd", dict(lr=1e-4, momentum=0.9))],
                checkpoint_every=50)
    s.step(3000, trace=False)
    s.lanes[0].set_hparams(lr=0.002)
    s.step(1000, trace=False)
    save_session(tmp_path / "long.gdplay", s)
    loaded, _ = load_session(tmp_path / "long.gdplay")
    steps = [cp.step for cp in loaded.lanes[0]._checkpoints]
    assert steps[0] == 0 and steps[-1] == 4000 and len(steps) == SAVED_CHECKPOINTS + 2
    assert max(b - a for a, b in zip(steps, steps[1:])) <= 4000 / (SAVED_CHECKPOINTS - 1) + 100
    replayed = []
    real = loaded.lanes[0]._advance
    monkeypatch.setattr(loaded.lanes[0], "_advance",
                        lambda n, traced_from: replayed.append(n) or real(n, traced_from))
    for k in (3500, 2999, 1234):
        s.restore(k)
        loaded.restore(k)
        for a, b in zip(s.lanes, loaded.lanes):
            np.testing.assert_array_equal(a.w, b.w)
            assert a.optimizer.hparams == b.optimizer.hparams
    assert sum(replayed) < 1000  # from the nearest saved checkpoint each time
