"""Cross-check against torch.optim (single-tensor path) and torch.autograd, float64.

The optimizers are given the same gradients at every step (computed at our parameters), so
what is compared is the optimizers' arithmetic alone, to rounding. Fed each its own
gradients instead, the two runs drift apart wherever the training itself is unstable: a
difference in the last bit grew 1.55x a step in the Adam (amsgrad, lr 1e-2) case on the
16x16 tanh network, measured, and which step it crossed a tolerance depended on how the
gradient's matrix products happened to round. The network's gradient is checked against
autograd on its own.

Skipped cleanly when torch is not installed (``pip install torch==2.13.0``).
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gdplay.engine import make_problem  # noqa: E402
from gdplay.engine.optimizers import make_optimizer  # noqa: E402

pytestmark = pytest.mark.torch

CASES = [
    ("sgd", dict(lr=1e-4), torch.optim.SGD, {}),
    ("sgd", dict(lr=1e-4, momentum=0.9, dampening=0.3, weight_decay=0.01), torch.optim.SGD, {}),
    ("sgd", dict(lr=1e-4, momentum=0.8, nesterov=True), torch.optim.SGD, {}),
    ("adam", dict(lr=1e-2), torch.optim.Adam, {}),
    ("adam", dict(lr=1e-2, weight_decay=0.1), torch.optim.Adam, {}),
    ("adam", dict(lr=1e-2, amsgrad=True, betas=(0.8, 0.99)), torch.optim.Adam, {}),
    ("adamw", dict(lr=1e-2, weight_decay=0.1), torch.optim.AdamW, {}),
    ("adamw", dict(lr=1e-2, weight_decay=0.1, amsgrad=True), torch.optim.AdamW, {}),
    ("amsgrad", dict(lr=1e-2, weight_decay=0.05), torch.optim.Adam, dict(amsgrad=True)),
    ("rmsprop", dict(lr=1e-3), torch.optim.RMSprop, {}),
    ("rmsprop", dict(lr=1e-3, momentum=0.5, centered=True, weight_decay=0.01), torch.optim.RMSprop, {}),
    ("adagrad", dict(lr=1e-2), torch.optim.Adagrad, {}),
    ("adagrad", dict(lr=1e-2, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1),
     torch.optim.Adagrad, {}),
]

PROBLEMS = [("rosenbrock", {}),
            ("mlp", dict(dataset="sine", hidden=(16, 16), activation="tanh", n_samples=64))]


def _ids(case):
    name, hp, _, _ = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in hp.items()) + ")"


@pytest.mark.parametrize("problem_name,options", PROBLEMS, ids=[p[0] for p in PROBLEMS])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_300_steps_match_torch_optim(problem_name, options, case):
    name, hp, torch_cls, extra = case
    problem = make_problem(problem_name, **options)
    ours = make_optimizer(name, **hp)
    w = problem.x0.copy()

    param = torch.tensor(problem.x0.copy(), dtype=torch.float64, requires_grad=True)
    torch_hp = {k: v for k, v in hp.items()}
    theirs = torch_cls([param], foreach=False, **torch_hp, **extra)

    for _ in range(300):
        g = problem.grad(w)
        with torch.no_grad():
            param.grad = torch.from_numpy(g.copy())
        ours.step(w, g)
        theirs.step()

    expected = param.detach().numpy()
    assert np.all(np.isfinite(w))
    # measured: at most 9e-16 apart after 300 steps (torch fuses some multiply-adds)
    np.testing.assert_allclose(w, expected, rtol=1e-12, atol=1e-14)
    assert not np.array_equal(w, problem.x0)


def _torch_loss_grad(problem, w):
    """The network's loss and gradient by torch.autograd, written from the formulas."""
    p = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    X, Y = torch.from_numpy(problem.data.X), torch.from_numpy(problem.data.Y)
    v = {name: p[sl].reshape(shape) for name, (sl, shape) in problem.layout.items()}
    phi = {"identity": lambda h: h, "tanh": torch.tanh, "relu": torch.relu,
           "sigmoid": torch.sigmoid}[problem.activation]
    H1 = X @ v["W1"] + (v["b1"] if problem.bias else 0.0)
    H2 = phi(H1) @ v["W2"] + (v["b2"] if problem.bias else 0.0)
    O = phi(H2) @ v["WO"] + (v["bO"] if problem.bias else 0.0)
    loss = ((O - Y) ** 2).mean()
    loss.backward()
    return loss.item(), p.grad.numpy()


@pytest.mark.parametrize("activation", ["identity", "tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("bias", [False, True])
def test_the_network_gradient_matches_autograd(activation, bias):
    rng = np.random.default_rng(5)
    for dataset, hidden in (("temperature", (12, 7)), ("sine", (16, 16))):
        problem = make_problem("mlp", dataset=dataset, hidden=hidden, activation=activation,
                               bias=bias, n_samples=64)
        for scale in (0.0, 1.0):
            w = problem.x0 + scale * rng.standard_normal(problem.dim)
            loss, g = problem.loss_and_grad(w)
            expected_loss, expected = _torch_loss_grad(problem, w)
            assert loss == pytest.approx(expected_loss, rel=1e-14)
            # measured: within 4e-16 of the largest entry (BLAS sums in its own order)
            assert np.max(np.abs(g - expected)) <= 1e-13 * np.max(np.abs(expected))


def test_every_optimizer_named_after_a_torch_class_is_checked_against_it():
    from gdplay.engine.optimizers import optimizer_names, optimizer_spec
    checked = {(name, f"torch.optim.{cls.__name__}") for name, _, cls, _ in CASES}
    for name in optimizer_names():
        reference = optimizer_spec(name).reference
        if reference.startswith("torch.optim."):
            torch_class = reference.split("(")[0]
            assert (name, torch_class) in checked, name


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_the_state_dict_holds_torchs_state_under_torchs_names(case):
    """The state entries are named as torch.optim names them ("t" for its "step", which
    SGD does not keep; without momentum it keeps nothing), and hold the same numbers
    after the same steps."""
    name, hp, torch_cls, extra = case
    problem = make_problem("rosenbrock")
    ours = make_optimizer(name, **hp)
    w = problem.x0.copy()
    param = torch.tensor(problem.x0.copy(), dtype=torch.float64, requires_grad=True)
    theirs = torch_cls([param], foreach=False, **hp, **extra)
    for _ in range(20):
        g = problem.grad(w)
        with torch.no_grad():
            param.grad = torch.from_numpy(g.copy())
        ours.step(w, g)
        theirs.step()
    state = ours.state_dict()["state"]
    expected = {k: v for k, v in theirs.state_dict()["state"].get(0, {}).items() if v is not None}
    assert set(state) - {"t"} == set(expected) - {"step"}
    assert state["t"] == int(expected.get("step", 20)) == 20
    for key in set(state) - {"t"}:
        np.testing.assert_allclose(state[key], expected[key].numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=key)
