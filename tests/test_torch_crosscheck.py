"""Cross-check against torch.optim (single-tensor path), float64, on the same gradients.

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
    # RMSprop at lr 1e-4: at 1e-3 on the 16x16 tanh net its normalized steps amplify
    # last-bit differences (torch fuses p + alpha g into one FMA, NumPy cannot) to 5e-4
    # relative in 300 steps, measured; at 1e-4 they stay at 5e-15.
    ("rmsprop", dict(lr=1e-4), torch.optim.RMSprop, {}),
    ("rmsprop", dict(lr=1e-4, momentum=0.5, centered=True, weight_decay=0.01), torch.optim.RMSprop, {}),
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
        ours.step(w, problem.grad(w))
        with torch.no_grad():
            param.grad = torch.from_numpy(problem.grad(param.detach().numpy().copy()))
        theirs.step()

    expected = param.detach().numpy()
    assert np.all(np.isfinite(w))
    np.testing.assert_allclose(w, expected, rtol=1e-10, atol=1e-12)
    assert not np.array_equal(w, problem.x0)
