"""Problems: analytic gradients, known minima, the seed's chain rule, the registry."""

import copy
import math
import pickle

import numpy as np
import pytest

from gdplay.engine import make_problem, problem_names
from gdplay.engine.network import MLPProblem

FUNCTION_NAMES = problem_names("1d") + problem_names("2d")

MLP_CONFIGS = [
    dict(),
    dict(dataset="sine", hidden=(16, 16), activation="tanh", n_samples=64),
    dict(dataset="sine", hidden=(5, 3), activation="sigmoid", n_samples=32, bias=True),
    dict(dataset="temperature", hidden=(3, 4), activation="relu", n_samples=40, bias=True),
    dict(dataset="scalar_chain", n_samples=20),
    dict(dataset="temperature", hidden=(2, 2), n_samples=50, batch_size=8, seed=3),
]


def central_difference(f, w, h):
    g = np.empty_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (f(w + e) - f(w - e)) / (2 * h)
    return g


def assert_gradient_matches(problem, w, h=1e-6):
    analytic = problem.grad(w)
    numeric = central_difference(problem.loss, w, h)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), 1.0)
    err = np.linalg.norm(analytic - numeric) / scale
    assert err < 1e-6, f"{problem.name} at {w}: relative error {err:.2e}"


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_gradient_matches_finite_differences(name):
    p = make_problem(name)
    rng = np.random.default_rng(42)
    for _ in range(5):
        w = np.array([rng.uniform(lo, hi) for lo, hi in p.bounds])
        assert_gradient_matches(p, w)


@pytest.mark.parametrize("options", MLP_CONFIGS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default")
def test_mlp_gradient_matches_finite_differences(options):
    p = make_problem("mlp", **options)
    rng = np.random.default_rng(7)
    for _ in range(3):
        w = p.x0 + 0.3 * rng.standard_normal(p.dim)
        if p.activation == "relu":
            # keep every pre-activation away from the kink, where f is not differentiable
            f = p.forward(w)
            if min(np.abs(f["H1"]).min(), np.abs(f["H2"]).min()) < 1e-4:
                continue
        assert_gradient_matches(p, w, h=1e-6)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_known_minima_have_listed_values_and_zero_gradient(name):
    p = make_problem(name)
    for m in p.minima:
        w = np.array(m.point)
        assert p.loss(w) == pytest.approx(m.value, abs=1e-9)
        if p.project is None:  # a constrained minimum sits on the boundary
            assert np.linalg.norm(p.grad(w)) < 1e-6


def test_minima_as_tabled_in_math_md():
    assert make_problem("rosenbrock").loss(np.array([1.0, 1.0])) == 0.0
    assert make_problem("beale").loss(np.array([3.0, 0.5])) == 0.0
    assert make_problem("booth").loss(np.array([1.0, 3.0])) == 0.0
    assert make_problem("himmelblau").loss(np.array([3.0, 2.0])) == 0.0
    assert make_problem("rastrigin").loss(np.array([0.0, 0.0])) == 0.0
    camel = make_problem("six_hump_camel")
    assert camel.loss(np.array([0.0898, -0.7126])) == pytest.approx(-1.0316, abs=1e-4)
    assert len(make_problem("himmelblau").minima) == 4
    assert make_problem("saddle").minima == ()


def test_starts_as_tabled_in_math_md():
    starts = {"quadratic": (-4, 1), "quadratic_rotated": (-4, 1), "rosenbrock": (-2, 2),
              "beale": (3, 4), "himmelblau": (0, 0), "rastrigin": (-2, 3.5), "booth": (-8, 8),
              "six_hump_camel": (-2, 1.5), "saddle": (-1.5, 1e-3)}
    for name, start in starts.items():
        np.testing.assert_array_equal(make_problem(name).x0, start)


def test_seed_chain_rule_derivative():
    p = make_problem("chain_rule")
    assert p.grad(np.array([1.0]))[0] == 16.0  # 2 (1 + 3) * 2 * 1
    assert p.loss(np.array([0.0])) == 9.0
    # convex: f'' = 12 x^2 + 12 > 0 everywhere, so the derivative increases; the slope the
    # 1D view draws is the gradient a lane's step saw
    slopes = [p.loss_grad_at_step(np.array([x]), 0)[1][0] for x in np.linspace(-2, 2, 101)]
    assert np.all(np.diff(slopes) > 0)


def test_quartic_has_two_minima_of_different_depth():
    p = make_problem("quartic")
    (deep, shallow) = p.minima
    assert deep.value < shallow.value - 1
    assert deep.point[0] < 0 < shallow.point[0]
    assert p.convex is False


def test_rotated_quadratic_is_the_quadratic_turned_45_degrees():
    q = make_problem("quadratic")
    r = make_problem("quadratic_rotated")
    rng = np.random.default_rng(0)
    c = s = math.sqrt(0.5)
    for _ in range(10):
        x, y = rng.uniform(-5, 5, 2)
        assert r.loss(np.array([x, y])) == pytest.approx(q.loss(np.array([c * (x + y), s * (y - x)])))


@pytest.mark.parametrize("activation", ["identity", "tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("bias", [False, True])
def test_the_stepping_pass_gives_backprops_numbers_bit_for_bit(activation, bias):
    # the optimizers' gradient comes from a pass that reuses its arrays; backprop (which the
    # inspector reads and the finite-difference checks test) must agree exactly
    rng = np.random.default_rng(3)
    for dataset, hidden, batch in (("temperature", (12, 7), None), ("sine", (16, 16), 9),
                                   ("scalar_chain", (1, 1), None)):
        p = make_problem("mlp", dataset=dataset, hidden=hidden, activation=activation,
                         bias=bias, n_samples=40, batch_size=batch)
        for scale in (0.0, 1.0, 30.0):  # 30: saturated tanh and sigmoid
            w = p.x0 + scale * rng.standard_normal(p.dim)
            for t in (0, 1, 5):  # full batch, or different minibatches (a smaller last one)
                ref = p.backprop(w, p.batch_indices(t))
                loss, g = p._batch_loss_grad(w, t)
                assert loss == ref["loss"]
                np.testing.assert_array_equal(g, ref["grad"])
                g_again = p._batch_loss_grad(w, t)[1]  # the reused arrays leave g alone
                np.testing.assert_array_equal(g, g_again)
                assert g is not g_again
        loss, g = p.loss_and_grad(w)
        assert loss == p.loss(w)
        np.testing.assert_array_equal(g, p.backprop(w)["grad"])


def test_the_pass_reads_the_weights_as_they_are_now():
    # the pass keeps its views of the array a lane updates in place: an update must be
    # seen, and a copy of the problem with that array must read the copy, not the original
    options = dict(dataset="temperature", hidden=(5, 4), activation="tanh", bias=True,
                   n_samples=30)
    p = make_problem("mlp", **options)
    fresh = make_problem("mlp", **options)
    rng = np.random.default_rng(7)
    w = p.x0.copy()
    p.loss_and_grad(w)
    for copied in (lambda x: x, copy.deepcopy, lambda x: pickle.loads(pickle.dumps(x))):
        q, v = copied((p, w))
        q.loss_and_grad(v)
        v[...] = rng.standard_normal(p.dim)
        loss, g = q.loss_and_grad(v)
        ref_loss, ref_g = fresh.loss_and_grad(v.copy())
        assert loss == ref_loss
        np.testing.assert_array_equal(g, ref_g)


def test_mlp_tiny_case_by_hand():
    # scalar chain: O = x w1 w2 wo. Two samples, x = (1, 2), y = (1, 0); w = (0.5, 2, 3).
    p = make_problem("mlp", dataset="scalar_chain", n_samples=2)
    p.data.X[:] = [[1.0], [2.0]]
    p.data.Y[:] = [[1.0], [0.0]]
    w = np.array([0.5, 2.0, 3.0])
    # X1 = (0.5, 1), X2 = (1, 2), O = (3, 6); residual O - Y = (2, 6)
    # loss = (4 + 36) / 2 = 20
    assert p.loss(w) == 20.0
    # dO = (2/2)(O - Y) = (2, 6); dWO = X2^T dO = 1*2 + 2*6 = 14
    # dX2 = dO wo = (6, 18); dW2 = X1^T dX2 = 0.5*6 + 1*18 = 21
    # dX1 = dX2 w2 = (12, 36); dW1 = X0^T dX1 = 1*12 + 2*36 = 84
    np.testing.assert_array_equal(p.grad(w), [84.0, 21.0, 14.0])


def test_mlp_two_by_two_case_by_hand():
    # hidden (1, 1) is too easy to get transposes wrong by luck; use 2 inputs, hidden (2, 1)
    p = MLPProblem(dataset="temperature", hidden=(2, 1), n_samples=1)
    p.data.X[:, :] = 0.0
    X = np.array([[1.0, 2.0, 0.0]])
    p.data.X[:] = X
    p.data.Y[:] = [[1.0]]
    w = np.zeros(p.dim)
    v = p.views(w)
    v["W1"][...] = [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]  # X1 = (1, 2)
    v["W2"][...] = [[1.0], [-1.0]]                          # X2 = (-1)
    v["WO"][...] = [[2.0]]                                  # O = -2
    assert p.loss(w) == 9.0                                 # (1 - (-2))^2
    g = p.views(p.grad(w))
    # dO = 2 (O - Y) = -6; dWO = X2 dO = 6; dX2 = dO WO = -12
    # dW2 = X1^T dX2 = (-12, -24); dX1 = dX2 W2^T = (-12, 12)
    # dW1 = X0^T dX1 = [[-12, 12], [-24, 24], [0, 0]]
    np.testing.assert_array_equal(g["WO"], [[6.0]])
    np.testing.assert_array_equal(g["W2"], [[-12.0], [-24.0]])
    np.testing.assert_array_equal(g["W1"], [[-12.0, 12.0], [-24.0, 24.0], [0.0, 0.0]])


def test_mlp_layout_and_views():
    p = make_problem("mlp", dataset="sine", hidden=(16, 16), activation="tanh",
                     n_samples=256, batch_size=None, bias=False, seed=0)
    assert p.dim == 1 * 16 + 16 * 16 + 16 * 1
    assert p.x0.dtype == np.float64
    w = p.x0.copy()
    v = p.views(w)
    v["W2"][0, 0] = 123.0  # a view, not a copy
    assert w[16] == 123.0
    assert list(p.groups()) == ["W1", "W2", "WO"]
    pb = make_problem("mlp", bias=True)
    assert list(pb.groups()) == ["W1", "b1", "W2", "b2", "WO", "bO"]
    assert make_problem("mlp", dataset="scalar_chain").dim == 3


def test_mlp_is_reproducible_from_its_seed():
    a = make_problem("mlp", seed=5)
    b = make_problem("mlp", seed=5)
    c = make_problem("mlp", seed=6)
    np.testing.assert_array_equal(a.x0, b.x0)
    np.testing.assert_array_equal(a.data.X, b.data.X)
    assert not np.array_equal(a.x0, c.x0)


def test_minibatches_cover_each_epoch_in_a_seeded_order():
    p = make_problem("mlp", n_samples=10, batch_size=4, seed=1)
    epoch0 = [p.batch_indices(t) for t in range(3)]
    assert [len(b) for b in epoch0] == [4, 4, 2]
    assert sorted(np.concatenate(epoch0)) == list(range(10))
    epoch1 = np.concatenate([p.batch_indices(t) for t in range(3, 6)])
    assert not np.array_equal(np.concatenate(epoch0), epoch1)
    # a pure function of t: asking out of order gives the same batches
    q = make_problem("mlp", n_samples=10, batch_size=4, seed=1)
    np.testing.assert_array_equal(q.batch_indices(4), p.batch_indices(4))
    np.testing.assert_array_equal(q.batch_indices(1), epoch0[1])
    # the minibatch gradient is the gradient of the minibatch loss
    w = p.x0
    loss, g = p.loss_grad_at_step(w, 1)
    b = p.backprop(w, epoch0[1])
    assert loss == b["loss"]
    np.testing.assert_array_equal(g, b["grad"])
    assert make_problem("mlp", batch_size=None).batch_indices(3) is None


def test_gradient_noise_is_seeded_and_per_step():
    p = make_problem("rosenbrock", noise=0.5, seed=3)
    q = make_problem("rosenbrock", noise=0.5, seed=3)
    w = p.x0
    _, g5 = p.loss_grad_at_step(w, 5)
    _, g2000 = p.loss_grad_at_step(w, 2000)
    _, again5 = q.loss_grad_at_step(w, 5)
    np.testing.assert_array_equal(g5, again5)
    assert not np.array_equal(g5, p.grad(w))
    assert not np.array_equal(g5 - p.grad(w), g2000 - p.grad(w))
    noise = np.array([p.gradient_noise(t) for t in range(4000)])
    assert noise.std() == pytest.approx(0.5, rel=0.05)


def test_gradient_clipping_by_norm():
    p = make_problem("rosenbrock", clip=10.0)
    _, g = p.loss_grad_at_step(p.x0, 0)
    full = p.grad(p.x0)
    assert np.linalg.norm(g) == pytest.approx(10.0)
    np.testing.assert_allclose(g / np.linalg.norm(g), full / np.linalg.norm(full))
    _, small = p.loss_grad_at_step(np.array([1.0, 1.0]), 0)
    np.testing.assert_array_equal(small, [0.0, 0.0])


@pytest.mark.parametrize("name,options,message", [
    ("nope", {}, "unknown problem 'nope'"),
    ("rosenbrock", {"colour": 1}, "no option 'colour'"),
    ("rosenbrock", {"noise": -1}, "noise must be"),
    ("rosenbrock", {"clip": 0}, "clip must be"),
    ("mlp", {"dataset": "mnist"}, "unknown dataset 'mnist'"),
    ("mlp", {"activation": "gelu"}, "unknown activation 'gelu'"),
    ("mlp", {"hidden": (3,)}, "hidden must be two layer sizes"),
    ("mlp", {"n_samples": 0}, "n_samples must be"),
    ("mlp", {"n_samples": 10, "batch_size": 11}, "batch_size must be"),
])
def test_bad_options_raise_a_clear_value_error(name, options, message):
    with pytest.raises(ValueError, match=message):
        make_problem(name, **options)


def test_registry_names():
    assert problem_names("2d") == ["quadratic", "quadratic_rotated", "rosenbrock", "beale",
                                   "himmelblau", "rastrigin", "booth", "six_hump_camel", "saddle"]
    assert problem_names("1d") == ["quadratic1d", "chain_rule", "quartic", "reddi"]
    assert problem_names("network") == ["mlp"]


def test_gradient_noise_of_a_large_network_costs_memory_of_its_size_not_1024_steps():
    import tracemalloc

    p = make_problem("mlp", hidden=(256, 256), n_samples=16, noise=0.1, seed=2)
    assert p.dim > 60_000
    tracemalloc.start()
    try:
        first = p.gradient_noise(0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 8 * p.dim + (8 << 20)  # a few vectors and one block, not 1024 rows
    # reproducible from (seed, step), whatever ran before
    later = p.gradient_noise(1234).copy()
    q = make_problem("mlp", hidden=(256, 256), n_samples=16, noise=0.1, seed=2)
    np.testing.assert_array_equal(q.gradient_noise(1234), later)
    np.testing.assert_array_equal(q.gradient_noise(0), first)
    assert not np.array_equal(first, later)
    assert np.std(later) == pytest.approx(0.1, rel=0.05)


def test_chain_lines_write_out_the_chain_rule_for_the_seed_example_and_the_network():
    from gdplay.engine.explain import explain_backprop, explain_chain_rule

    p = make_problem("chain_rule")
    lines = p.chain_lines(np.array([1.5]), 1)
    assert lines == explain_chain_rule(1.5)
    # at x = 1.5: g = 5.25, f'(g) = 10.5, g'(x) = 3, product 31.5
    assert lines[-1] == "d/dx f(g(x)) = f'(g(x)) × g'(x) = 10.5 × 3 = 31.5"
    net = make_problem("mlp", batch_size=16)
    w = net.x0.copy()
    # step k (1-based) used the minibatch of t = k - 1; step 0 is the start, on every row
    assert net.chain_lines(w, 3) == explain_backprop(net, w, net.batch_indices(2))
    assert net.chain_lines(w, 3)[0].startswith("batch: 16 rows")
    assert net.chain_lines(w, 0) == explain_backprop(net, w, None)
    assert net.chain_lines(w, 0)[0].startswith("batch: 128 rows")
    for name in problem_names():
        if name not in ("chain_rule", "mlp"):
            q = make_problem(name)
            assert q.chain_lines(q.x0, 1) == [], name
