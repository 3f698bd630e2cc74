"""RunSettings: one immutable value for a run, one validate() (no Qt here)."""

import copy
import pickle

import numpy as np
import pytest

from gdplay.engine import make_problem
from gdplay.engine.session import LaneConfig, Session
from gdplay.run_settings import FrozenDict, LaneSettings, RunSettings, unique_names
from gdplay.settings import SettingsError


def settings(**changes):
    base = RunSettings("rosenbrock", {}, (LaneSettings("adam", {"lr": 0.02}),
                                          LaneSettings("sgd", {"lr": 1e-4, "momentum": 0.9})))
    return base.replace(**changes)


def test_it_cannot_be_changed_in_place():
    s = settings(options={"noise": 0.1})
    with pytest.raises(AttributeError):
        s.problem = "beale"
    with pytest.raises(TypeError):
        s.options["noise"] = 0.2
    with pytest.raises(TypeError):
        s.lanes[0].hparams["lr"] = 1.0
    assert isinstance(s.lanes, tuple)
    edited = s.with_lane(0, s.lanes[0].replace(hparams=s.lanes[0].hparams.set(lr=0.5)))
    assert s.lanes[0].hparams["lr"] == 0.02 and edited.lanes[0].hparams["lr"] == 0.5
    # copies and pickles keep the value (settings cross threads and go into files)
    assert copy.deepcopy(s) == s and pickle.loads(pickle.dumps(s)) == s
    assert hash(s) == hash(copy.deepcopy(s))


def test_validate_gives_the_engine_values_and_unique_names():
    s = settings(lanes=(LaneSettings("adam", {"betas": [0.8, 0.99]}), LaneSettings("adam"),
                        LaneSettings("sgd", name="adam")))
    checked = s.validate()
    assert checked.lanes[0].hparams["betas"] == (0.8, 0.99)  # a JSON list: the engine's tuple
    assert [l.name for l in checked.lanes] == ["adam", "adam #2", "adam #3"]
    assert checked.validate() == checked  # a checked value passes unchanged


@pytest.mark.parametrize("change,message", [
    (dict(problem="nope"), "settings: unknown problem 'nope'"),
    (dict(options={"noise": -1.0}), "noise"),
    (dict(options={"depth": 3}), "has no option 'depth'"),
    (dict(lanes=(LaneSettings("adam", {"lr": -1.0}),)), r"lanes\[0\]: adam lr = -1.0"),
    (dict(lanes=(LaneSettings("sgd", {"nesterov": True}),)), "nesterov = True needs momentum"),
    (dict(lanes=(LaneSettings("adam", {}, schedule={"kind": "cosine", "T_max": 3}),)),
     "schedule cosine has no setting 'T_max'"),
    (dict(lanes=(LaneSettings("adam", {}, name="a\x00b"),)), "control character"),
    (dict(lanes=(LaneSettings("adam", {}, color="red"),)),
     r"lanes\[0\].color must be a colour \"#rrggbb\""),
    (dict(start=(1.0, 2.0, 3.0)), "the start needs 2 values, got 3"),
    (dict(start=(float("nan"), 0.0)), r"start\[0\] must be a finite number"),
    (dict(start=(1e300, 0.0)), "the start must lie within"),
    (dict(speed=-1.0), "speed must be from 0 to"),
    (dict(slice={"kind": "diagonal"}), "slice.kind must be one of random, axes, pca"),
    (dict(slice={"kind": "axes", "i": -1}), "slice.i must be from 0"),
    (dict(slice={"span": 0.0}), "slice.span must be a finite number above 0"),
    (dict(problem="custom", options={"expression": "x +* y"}), "settings: "),
])
def test_validate_refuses_with_the_field_named(change, message):
    s = settings(**change)
    with pytest.raises(SettingsError, match=message):
        s.validate()


def test_the_session_it_makes_is_the_one_the_engine_makes():
    s = settings(start=(-1.5, 2.0)).validate()
    a = s.session()
    b = Session(make_problem("rosenbrock"), [LaneConfig("adam", {"lr": 0.02}, "adam"),
                                             LaneConfig("sgd", {"lr": 1e-4, "momentum": 0.9},
                                                        "sgd")], [-1.5, 2.0])
    a.step(50)
    b.step(50)
    for x, y in zip(a.lanes, b.lanes):
        assert x.name == y.name
        np.testing.assert_array_equal(x.w, y.w)


def test_json_round_trip_and_lane_configs():
    s = settings(options={"noise": 0.5, "seed": 3}, start=(0.5, -0.5)).validate()
    again = RunSettings.from_json(s.to_json())  # a file holds no colours: the rest is kept
    assert again == s.replace(lanes=tuple(l.replace(color=None) for l in s.lanes))
    assert [l.color for l in s.lanes] == ["#0072B2", "#D55E00"]  # validate gives each one
    configs = s.lane_configs()
    configs[0].hparams["lr"] = 9.0  # the engine's copies are its own
    assert s.lanes[0].hparams["lr"] == 0.02
    assert LaneSettings.from_config(configs[1]) == s.lanes[1]


def test_colour_and_on_off_survive_validation():
    s = settings(lanes=(LaneSettings("adam", color="#AA0000", enabled=False),))
    lane = s.validate().lanes[0]
    assert lane.color == "#AA0000" and lane.enabled is False


def test_unique_names_is_the_one_rule():
    lanes = [LaneSettings("adam"), LaneSettings("adam", name="x"), LaneSettings("sgd", name="x"),
             LaneSettings("adam"), LaneSettings("adam", name="adam #2")]
    assert [l.name for l in unique_names(lanes)] == ["adam", "x", "x #2", "adam #2", "adam #3"]


def test_frozen_dict_is_a_mapping():
    d = FrozenDict(a=1)
    assert dict(d) == {"a": 1} and d == {"a": 1} and d.set(b=2) == {"a": 1, "b": 2}
    assert d.thaw() is not d.thaw()


def test_names_the_engine_makes_stay_unique_and_short():
    from gdplay.engine.session import MAX_NAME, fork_name, unique_name
    # a taken "x #2" becomes "x #3", never the bare "x" (which looks like another lane)
    assert unique_name("x #2", {"x #2"}) == "x #3"
    assert unique_name("x", {"x", "x #2"}) == "x #3"
    assert unique_name("", {"sgd"}, "sgd") == "sgd #2"
    long = "n" * MAX_NAME
    assert len(unique_name(long, {long})) == MAX_NAME
    # forks of forks: "adam from 10 from 20 ..." kept within the limit, so the setting
    # that holds them still validates
    name = "adam"
    for k in range(10, 400, 10):
        name = fork_name(name, k)
        assert len(name) <= MAX_NAME and name.endswith(f" from {k}")
    s = settings(lanes=(LaneSettings("adam", name=name), LaneSettings("adam", name=name)))
    checked = s.validate()
    assert all(len(l.name) <= MAX_NAME for l in checked.lanes)
    assert len({l.name for l in checked.lanes}) == 2


def test_validate_builds_a_large_network_once():
    from gdplay import run_settings
    calls = []
    real = run_settings.make_problem

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    run_settings._cached_dim.cache_clear()
    s = RunSettings("mlp", {"hidden": (64, 64), "n_samples": 2000},
                    (LaneSettings("adam"), LaneSettings("sgd")))
    try:
        run_settings.make_problem = counting
        for lr in (0.1, 0.2, 0.3):  # the controls validate at every edit
            s.with_lane(0, s.lanes[0].replace(hparams={"lr": lr})).validate()
    finally:
        run_settings.make_problem = real
    assert len(calls) == 1
