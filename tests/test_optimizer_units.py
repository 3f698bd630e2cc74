"""One unit per optimizer: what each tells its readers (trace names, formula, drawing,
recorded rows, convergence) and its checked state_dict; adding one is a module and a
registry line."""

import itertools
import json
import math

import numpy as np
import pytest

from gdplay.engine import make_problem
from gdplay.engine.explain import explain_step
from gdplay.engine.optimizers import (Optimizer, make_optimizer, optimizer_names,
                                      optimizer_spec)
from gdplay.engine.optimizers import base as optimizers_base

# per optimizer, the settings that change which values a step traces; every bool and
# choice setting is among them (checked below), so a new one cannot be forgotten here
STRUCTURE = {
    "sgd": dict(momentum=[0.0, 0.9], dampening=[0.0, 0.5], nesterov=[False, True],
                weight_decay=[0.0, 0.1]),
    "adam": dict(weight_decay=[0.0, 0.1], amsgrad=[False, True]),
    "adamw": dict(weight_decay=[0.0, 0.1], amsgrad=[False, True]),
    "amsgrad": dict(weight_decay=[0.0, 0.1], variant=["pytorch", "reddi"]),
    "rmsprop": dict(weight_decay=[0.0, 0.1], momentum=[0.0, 0.9], centered=[False, True]),
    "adagrad": dict(weight_decay=[0.0, 0.1], lr_decay=[0.0, 0.1]),
    "admm_adam": dict(regularizer=["l1", "box", "l2_ball", "ridge", "topk"],
                      balance=[False, True], inner_steps=[1, 2]),
}


def settings_of(name):
    grid = STRUCTURE[name]
    for values in itertools.product(*grid.values()):
        hp = dict(zip(grid, values))
        if hp.get("nesterov") and (hp["momentum"] == 0 or hp["dampening"] != 0):
            continue
        yield hp


def test_every_optimizer_and_every_bool_or_choice_setting_is_covered():
    assert set(STRUCTURE) == set(optimizer_names())
    for name in optimizer_names():
        for p in optimizer_spec(name).params:
            if p.type in ("bool", "choice"):
                assert p.name in STRUCTURE[name], (name, p.name)


@pytest.mark.parametrize("name", optimizer_names())
def test_trace_names_are_the_names_real_traces_hold(name):
    unit = optimizer_spec(name).cls
    problem = make_problem("himmelblau")
    seen_outer = set()
    for hp in settings_of(name):
        for on_floats in (False, True) if unit.supports_floats else (False,):
            opt = make_optimizer(name, lr=0.01, **hp)
            w = problem.x0.copy()
            for _ in range(3):
                if on_floats:
                    new_w, tr = opt.step_floats(w.tolist(), problem.grad(w).tolist())
                    w = np.array(new_w)
                else:
                    tr = opt.step(w, problem.grad(w))
                outer = "z/u update" in tr.phase
                seen_outer.add(outer)
                assert list(tr.values) == list(unit.trace_names(hp, outer=outer)), (hp, on_floats)
    if name == "admm_adam":
        assert seen_outer == {False, True}


def test_trace_names_default_to_the_default_settings():
    assert optimizer_spec("sgd").cls.trace_names() == ("g", "p_before", "direction", "delta",
                                                       "p_after")
    assert "decay" in optimizer_spec("adamw").cls.trace_names()  # weight_decay 1e-2
    assert "decay" not in optimizer_spec("adamw").cls.trace_names({"weight_decay": 0.0})


def test_every_unit_says_its_title_and_reference():
    for name in optimizer_names():
        spec = optimizer_spec(name)
        assert spec.title == spec.cls.title and spec.title
        assert spec.reference == spec.cls.reference and spec.reference
        assert spec.cls.name == name
    assert optimizer_spec("adam").reference == "torch.optim.Adam"
    assert "Reddi" in optimizer_spec("amsgrad").reference


def test_dead_schedule_api_is_gone():
    # the schedule is given at construction (and restored by set_state); nothing set it later
    assert not hasattr(Optimizer, "set_schedule") and not hasattr(Optimizer, "current_lr")


# --- drawing, recorded rows, convergence -------------------------------------------------------

@pytest.mark.parametrize("name", [n for n in optimizer_names() if n != "admm_adam"])
def test_other_optimizers_draw_record_and_converge_nothing(name):
    opt = make_optimizer(name)
    w = np.array([1.0, 2.0])
    opt.step(w, np.array([0.5, -0.5]))
    assert opt.drawing() is None and opt.record_row() is None and opt.converged() is False
    assert opt.record_names == ()


@pytest.mark.parametrize("reg,constraint", [
    ("l1", {"kind": "l1", "threshold": 0.3 / 2.0}),
    ("box", {"kind": "box", "lo": -0.5, "hi": 0.25}),
    ("l2_ball", {"kind": "l2_ball", "radius": 0.75}),
    ("ridge", None),
    ("topk", None),
])
def test_admm_draws_z_u_and_its_set_in_plain_numbers(reg, constraint):
    opt = make_optimizer("admm_adam", rho=2.0, inner_steps=2, regularizer=reg, lam=0.3,
                         lo=-0.5, hi=0.25, radius=0.75, k=1)
    assert opt.drawing() is None  # nothing before the first step
    w = np.array([1.0, -2.0])
    for _ in range(4):
        opt.step(w, 2 * w)
    d = opt.drawing()
    st = opt.state
    np.testing.assert_array_equal(d["points"]["z"], st["z"])
    np.testing.assert_array_equal(d["u"], st["u"])
    np.testing.assert_array_equal(d["points"]["z_plus_u"], st["z"] + st["u"])
    assert d["rho"] == st["rho"] == 2.0 and d["regularizer"] == reg
    assert d["constraint"] == constraint
    assert d["record_names"] == ("primal_residual", "dual_residual", "eps_pri", "eps_dual")
    d["points"]["z"][0] = 99.0  # a copy: the drawing cannot change the run
    assert opt.state["z"][0] != 99.0


def test_admm_l1_threshold_follows_the_rho_in_use():
    opt = make_optimizer("admm_adam", rho=1.0, lam=0.5, inner_steps=1, balance=True, mu=1.0001)
    w = np.array([3.0, -1.0])
    for _ in range(30):
        opt.step(w, 2 * (w - np.array([1.0, 2.0])))
    rho = opt.state["rho"]
    assert rho != 1.0  # balancing changed it
    assert opt.drawing()["constraint"]["threshold"] == 0.5 / rho


def test_admm_records_a_row_right_after_each_outer_update_and_says_when_converged():
    opt = make_optimizer("admm_adam", inner_steps=3, regularizer="box", lo=-0.5, hi=0.5)
    w = np.array([2.0, -2.0])
    rows = []
    for t in range(1, 13):
        tr = opt.step(w, np.array([1.0, 1.0]))
        row = opt.record_row()
        if t % 3:
            assert row is None and opt.converged() is False
        else:
            assert row == (tr["primal_residual"], tr["dual_residual"], tr["eps_pri"],
                           tr["eps_dual"])
            assert opt.converged() is tr["converged"]
            rows.append(row)
    assert len(rows) == 4


def test_admm_converged_fires_on_a_converged_lasso():
    opt = make_optimizer("admm_adam", lr=0.05, rho=1.0, inner_steps=5, regularizer="l1",
                         lam=0.1, schedule={"kind": "exponential", "gamma": 0.999})
    w = np.array([2.0, -1.0])
    target = np.array([1.0, 0.0])
    fired = []
    for t in range(1, 6001):
        tr = opt.step(w, w - target)
        if opt.converged():
            fired.append(t)
            assert tr["converged"] is True and t % 5 == 0
    assert fired


# --- state_dict --------------------------------------------------------------------------------

def _run(opt, w, steps, on_floats=False):
    g_at = make_problem("himmelblau").grad
    for _ in range(steps):
        if on_floats:
            w = np.array(opt.step_floats(w.tolist(), g_at(w).tolist())[0])
        else:
            opt.step(w, g_at(w))
    return w


def _as_json(value):
    """What a state_dict becomes in a file and back: arrays as lists, tuples as lists."""
    def plain(v):
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v
    return json.loads(json.dumps(plain(value)))


@pytest.mark.parametrize("name,on_floats,via_json", [
    (n, f, j) for n in optimizer_names() for f in (False, True) for j in (False, True)
    if not f or make_optimizer(n).supports_floats])
def test_load_state_dict_continues_exactly(name, on_floats, via_json):
    hp = dict(inner_steps=3, balance=True, mu=1.5) if name == "admm_adam" else {}
    opt = make_optimizer(name, lr=1e-2, schedule={"kind": "step", "step_size": 4, "gamma": 0.5},
                         **hp)
    w = _run(opt, make_problem("himmelblau").x0.copy(), 7, on_floats)
    sd = opt.state_dict()
    twin = make_optimizer(name)
    twin.load_state_dict(_as_json(sd) if via_json else sd, n=2, step=7)
    assert twin.hparams == opt.hparams and twin.schedule.to_dict() == opt.schedule.to_dict()
    end = _run(opt, w.copy(), 9, on_floats)
    np.testing.assert_array_equal(_run(twin, w.copy(), 9, on_floats), end)
    if not via_json:
        # the state_dict is a copy: running on does not change it, nor does loading share it
        again = make_optimizer(name)
        again.load_state_dict(sd)
        np.testing.assert_array_equal(_run(again, w.copy(), 9, on_floats), end)


def _adam_sd():
    opt = make_optimizer("adam", lr=0.1, amsgrad=True)
    _run(opt, np.array([1.0, 2.0]), 3)
    return opt.state_dict()


def _admm_sd(steps=3):
    opt = make_optimizer("admm_adam", inner_steps=3)
    _run(opt, np.array([1.0, 2.0]), steps)
    return opt.state_dict()


def _set(path, value):
    def change(sd):
        *head, last = path
        target = sd
        for key in head:
            target = target[key]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
        return sd
    return change


@pytest.mark.parametrize("make,change,step,message", [
    (_adam_sd, _set(["state", "exp_avg"], [1.0, 2.0, 3.0]), 3,
     r"^state\.exp_avg: needs 2 numbers \(one a parameter\), got 3$"),
    (_adam_sd, _set(["state", "exp_avg"], ["a", 1.0]), 3, r"^state\.exp_avg: must hold only numbers"),
    (_adam_sd, _set(["state", "exp_avg"], [True, 1.0]), 3, r"^state\.exp_avg: must hold only numbers"),
    (_adam_sd, _set(["state", "exp_avg"], np.zeros((2, 2))), 3, r"^state\.exp_avg: must be a list"),
    (_adam_sd, _set(["state", "exp_avg"], 1.0), 3, r"^state\.exp_avg: must be a list of numbers"),
    (_adam_sd, _set(["state", "momentum_buffer"], [1.0, 2.0]), 3,
     r"^state: unknown entry 'momentum_buffer'; its entries are: t, exp_avg, exp_avg_sq, max_exp_avg_sq$"),
    (_adam_sd, _set(["state", "t"], KeyError), 3, r"^state\.t: missing$"),
    (_adam_sd, _set(["state", "t"], True), None, r"^state\.t: must be a whole number >= 0, got True$"),
    (_adam_sd, _set(["state", "t"], -1), None, r"^state\.t: must be a whole number"),
    (_adam_sd, _set(["state", "t"], 2.0), None, r"^state\.t: must be a whole number"),
    (_adam_sd, lambda sd: sd, 4, r"^state\.t: is 3, but the run is at step 4$"),
    (_adam_sd, _set(["state"], [1.0]), None, r"^state: must be a dict, got list$"),
    (_adam_sd, _set(["hparams", "lr"], -1), 3, r"^hparams: adam lr = -1 is not allowed"),
    (_adam_sd, _set(["hparams", "nesterov"], True), 3, r"^hparams: adam has no setting 'nesterov'"),
    (_adam_sd, _set(["hparams"], KeyError), 3, r"^hparams: missing$"),
    (_adam_sd, _set(["hparams"], "fast"), 3, r"^hparams: must be a dict, got str$"),
    (_adam_sd, _set(["schedule"], {"kind": "sometimes"}), 3, r"^schedule: unknown schedule 'sometimes'"),
    (_adam_sd, _set(["schedule"], {"kind": "step", "gamma": -1}), 3, r"^schedule: .*gamma = -1"),
    (_adam_sd, _set(["optimizer"], "adam"), 3, r"^state_dict: unknown entry 'optimizer'"),
    (_admm_sd, _set(["state", "z"], [1.0]), 3, r"^state\.z: needs 2 numbers"),
    (_admm_sd, _set(["state", "u"], KeyError), 3,
     r"^state: must hold rho, z, u, inner, outer, adam after the first step, and none of them before$"),
    (lambda: _admm_sd(0), _set(["state", "rho"], 1.0), None, r"^state: must hold rho, z, u"),
    (_admm_sd, _set(["state", "converged"], KeyError), 3,
     r"^state: must hold all of primal_residual, dual_residual, eps_pri, eps_dual, converged"),
    (_admm_sd, _set(["state", "inner"], 4), 3, r"^state\.inner: must be a whole number from 0 to 3, got 4$"),
    (_admm_sd, _set(["state", "outer"], False), 3, r"^state\.outer: must be a whole number"),
    (_admm_sd, _set(["state", "rho"], 0.0), 3, r"^state\.rho: must be a number > 0, got 0\.0$"),
    (_admm_sd, _set(["state", "rho"], "1"), 3, r"^state\.rho: must be a number, got '1'$"),
    (_admm_sd, _set(["state", "primal_residual"], None), 3, r"^state\.primal_residual: must be a number"),
    (_admm_sd, _set(["state", "converged"], 1), 3, r"^state\.converged: must be true or false, got 1$"),
    (_admm_sd, _set(["state", "adam", "t"], 2), 3, r"^state\.adam\.t: is 2, but the run is at step 3$"),
    (_admm_sd, _set(["state", "adam", "exp_avg"], [0.0] * 3), 3, r"^state\.adam\.exp_avg: needs 2 numbers"),
    (_admm_sd, _set(["state", "adam", "sum"], [0.0] * 2), 3, r"^state\.adam: unknown entry 'sum'"),
    (_admm_sd, _set(["state", "lam"], 1.0), 3, r"^state: unknown entry 'lam'"),
    (_admm_sd, _set(["hparams", "lo"], 2.0), 3, r"^hparams: admm_adam box needs lo <= hi"),
])
def test_load_state_dict_refuses_what_does_not_fit_and_names_the_entry(make, change, step, message):
    sd = change(make())
    opt = make_optimizer("adam" if make is _adam_sd else "admm_adam", lr=0.5)
    before = opt.state_dict()
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(sd, n=2, step=step)
    assert opt.state_dict() == before  # nothing changed


def test_load_state_dict_takes_the_size_from_the_state_when_not_given():
    sd = _adam_sd()
    sd["state"]["exp_avg_sq"] = sd["state"]["exp_avg_sq"][:1]
    with pytest.raises(ValueError, match=r"^state\.exp_avg_sq: needs 2 numbers"):
        make_optimizer("adam").load_state_dict(sd)


def test_a_diverged_state_loads_with_its_nans():
    sd = _admm_sd(3)
    sd["state"]["z"] = np.array([np.nan, np.inf])
    sd["state"]["primal_residual"] = math.nan
    opt = make_optimizer("admm_adam")
    opt.load_state_dict(sd, n=2, step=3)
    assert np.isnan(opt.state["z"][0]) and math.isnan(opt.state["primal_residual"])


# --- adding an optimizer -----------------------------------------------------------------------

class SignSGD(Optimizer):
    """A unit written as a test would add one: p = p - lr sign(g)."""

    name = "signsgd"
    title = "signSGD"
    reference = "Bernstein et al., signSGD, ICML 2018"
    supports_floats = True
    params = (optimizers_base.lr_param(1e-2),)

    def _constants(self, lr, t):
        return lr, {}, ()

    def _kernel(self, c, g, w, s, ops):
        sign = (g > 0) * 1.0 - (g < 0) * 1.0
        delta = -c * sign
        return w + delta, (), {"sign": sign, "delta": delta}

    @classmethod
    def _traced(cls, h, outer):
        return ("sign", "delta")

    @classmethod
    def formula_lines(cls, f):
        from gdplay.engine.optimizers import fmt
        return [f"Δ = −lr × sign(g) = −{fmt(f.lr)} × {fmt(f.v('sign'))} = {fmt(f.v('delta'))}"]


def test_a_new_optimizer_is_a_class_and_a_registry_line(monkeypatch):
    from gdplay.engine import optimizers
    registry = dict(optimizers._OPTIMIZERS)
    registry["signsgd"] = optimizers.OptimizerSpec("signsgd", SignSGD.title, SignSGD,
                                                   SignSGD.params, SignSGD.reference)
    monkeypatch.setattr(optimizers, "_OPTIMIZERS", registry)
    opt = make_optimizer("signsgd", lr=0.5)
    w = np.array([1.0, -1.0])
    tr = opt.step(w, np.array([3.0, 0.0]))
    np.testing.assert_array_equal(w, [0.5, -1.0])
    assert list(tr.values) == list(SignSGD.trace_names())
    assert explain_step(tr, 0) == [
        "step t = 1, lr = 0.5",
        "g = ∂L/∂p[0] = 3",
        "Δ = −lr × sign(g) = −0.5 × 1 = (-0.5)",
        "p_1 = p_0 + Δ = 1 + (-0.5) = 0.5",
    ]
    new_w, tr = opt.step_floats([0.5, -1.0], [-1.0, 2.0])
    assert new_w == [1.0, -1.5] and explain_step(tr, 1)[-1] == "p_2 = p_1 + Δ = (-1) + (-0.5) = (-1.5)"
