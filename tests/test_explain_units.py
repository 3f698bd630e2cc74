"""The written-out formula of every optimizer unit, line for line.

The expected lines were written by explain_step before the optimizers became units (when
explain.py held every formula in one if/elif chain over names): moving each formula into
its unit changed no character. Two steps of parameter 1 on Himmelblau from (0, 0), lr 0.05,
cover every branch: weight decay in the gradient or decoupled, momentum's first step and
later ones, Nesterov, AMSGrad's two variants, centred RMSprop, Adagrad's decay, and an
ADMM outer update whose balancing rescales u.
"""

import numpy as np
import pytest

from gdplay.engine import make_problem
from gdplay.engine.explain import explain_step
from gdplay.engine.optimizers import make_optimizer

EXPLAINED = [
    ('sgd', {}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            'd = g = (-22)',
            'Δ = −lr × d = −0.05 × (-22) = 1.1',
            'p_1 = p_0 + Δ = 0 + 1.1 = 1.1',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-41.216)',
            'd = g = (-41.216)',
            'Δ = −lr × d = −0.05 × (-41.216) = 2.0608',
            'p_2 = p_1 + Δ = 1.1 + 2.0608 = 3.1608',
        ],
    ]),
    ('sgd', {'momentum': 0.9, 'dampening': 0.5, 'weight_decay': 0.1}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            "g' = g + wd × p = (-22) + 0.1 × 0 = (-22)",
            'b_1 = g = (-22)   (first step: no dampening)',
            'd = b_1 = (-22)',
            'Δ = −lr × d = −0.05 × (-22) = 1.1',
            'p_1 = p_0 + Δ = 0 + 1.1 = 1.1',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-41.216)',
            "g' = g + wd × p = (-41.216) + 0.1 × 1.1 = (-41.106)",
            'b_2 = μ × b_1 + (1 − dampening) × g = 0.9 × (-22) + 0.5 × (-41.106) = (-40.353)',
            'd = b_2 = (-40.353)',
            'Δ = −lr × d = −0.05 × (-40.353) = 2.01765',
            'p_2 = p_1 + Δ = 1.1 + 2.01765 = 3.11765',
        ],
    ]),
    ('sgd', {'momentum': 0.9, 'nesterov': True}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            'b_1 = g = (-22)   (first step: no dampening)',
            'd = g + μ × b_1 = (-22) + 0.9 × (-22) = (-41.8)',
            'Δ = −lr × d = −0.05 × (-41.8) = 2.09',
            'p_1 = p_0 + Δ = 0 + 2.09 = 2.09',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-25.1661)',
            'b_2 = μ × b_1 + (1 − dampening) × g = 0.9 × (-22) + 1 × (-25.1661) = (-44.9661)',
            'd = g + μ × b_2 = (-25.1661) + 0.9 × (-44.9661) = (-65.6356)',
            'Δ = −lr × d = −0.05 × (-65.6356) = 3.28178',
            'p_2 = p_1 + Δ = 2.09 + 3.28178 = 5.37178',
        ],
    ]),
    ('adam', {}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            'm_1 = β1 × m_0 + (1 − β1) × g = 0.9 × 0 + 0.1 × (-22) = (-2.2)',
            'v_1 = β2 × v_0 + (1 − β2) × g² = 0.999 × 0 + 0.001 × (-22)² = 0.484',
            'bc1 = 1 − β1^1 = 0.1;  bc2 = 1 − β2^1 = 0.001',
            'm̂ = m / bc1 = (-22);  v̂ = v / bc2 = 484',
            'denom = √v̂ + ε = √484 + 1e-08 = 22',
            'Δ = −(lr / bc1) × m / denom = −0.5 × (-2.2) / 22 = 0.05   (effective step size lr/bc1/denom = 0.0227273)',
            'p_1 = p + Δ = 0 + 0.05 = 0.05',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-23.2845)',
            'm_2 = β1 × m_1 + (1 − β1) × g = 0.9 × (-2.2) + 0.1 × (-23.2845) = (-4.30845)',
            'v_2 = β2 × v_1 + (1 − β2) × g² = 0.999 × 0.484 + 0.001 × (-23.2845)² = 1.02568',
            'bc1 = 1 − β1^2 = 0.19;  bc2 = 1 − β2^2 = 0.001999',
            'm̂ = m / bc1 = (-22.6761);  v̂ = v / bc2 = 513.099',
            'denom = √v̂ + ε = √513.099 + 1e-08 = 22.6517',
            'Δ = −(lr / bc1) × m / denom = −0.263158 × (-4.30845) / 22.6517 = 0.0500538   (effective step size lr/bc1/denom = 0.0116176)',
            'p_2 = p + Δ = 0.05 + 0.0500538 = 0.100054',
        ],
    ]),
    ('adam', {'weight_decay': 0.1, 'amsgrad': True}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            "g' = g + wd × p = (-22) + 0.1 × 0 = (-22)   (L2 in the gradient)",
            'm_1 = β1 × m_0 + (1 − β1) × g = 0.9 × 0 + 0.1 × (-22) = (-2.2)',
            'v_1 = β2 × v_0 + (1 − β2) × g² = 0.999 × 0 + 0.001 × (-22)² = 0.484',
            'v_max = max(v_max_prev, v_1) = max(0, 0.484) = 0.484   (max of the raw v, as PyTorch)',
            'bc1 = 1 − β1^1 = 0.1;  bc2 = 1 − β2^1 = 0.001',
            'm̂ = m / bc1 = (-22);  v̂ = v_max / bc2 = 484',
            'denom = √v̂ + ε = √484 + 1e-08 = 22',
            'Δ = −(lr / bc1) × m / denom = −0.5 × (-2.2) / 22 = 0.05   (effective step size lr/bc1/denom = 0.0227273)',
            'p_1 = p + Δ = 0 + 0.05 = 0.05',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-23.2845)',
            "g' = g + wd × p = (-23.2845) + 0.1 × 0.05 = (-23.2795)   (L2 in the gradient)",
            'm_2 = β1 × m_1 + (1 − β1) × g = 0.9 × (-2.2) + 0.1 × (-23.2795) = (-4.30795)',
            'v_2 = β2 × v_1 + (1 − β2) × g² = 0.999 × 0.484 + 0.001 × (-23.2795)² = 1.02545',
            'v_max = max(v_max_prev, v_2) = max(0.484, 1.02545) = 1.02545   (max of the raw v, as PyTorch)',
            'bc1 = 1 − β1^2 = 0.19;  bc2 = 1 − β2^2 = 0.001999',
            'm̂ = m / bc1 = (-22.6734);  v̂ = v_max / bc2 = 512.982',
            'denom = √v̂ + ε = √512.982 + 1e-08 = 22.6491',
            'Δ = −(lr / bc1) × m / denom = −0.263158 × (-4.30795) / 22.6491 = 0.0500537   (effective step size lr/bc1/denom = 0.0116189)',
            'p_2 = p + Δ = 0.05 + 0.0500537 = 0.100054',
        ],
    ]),
    ('adamw', {'weight_decay': 0.1}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            'p ← p × (1 − lr × wd) = 0 × 0.995 = 0   (decay 0; PyTorch scales by lr)',
            'm_1 = β1 × m_0 + (1 − β1) × g = 0.9 × 0 + 0.1 × (-22) = (-2.2)',
            'v_1 = β2 × v_0 + (1 − β2) × g² = 0.999 × 0 + 0.001 × (-22)² = 0.484',
            'bc1 = 1 − β1^1 = 0.1;  bc2 = 1 − β2^1 = 0.001',
            'm̂ = m / bc1 = (-22);  v̂ = v / bc2 = 484',
            'denom = √v̂ + ε = √484 + 1e-08 = 22',
            'Δ = −(lr / bc1) × m / denom = −0.5 × (-2.2) / 22 = 0.05   (effective step size lr/bc1/denom = 0.0227273)',
            'p_1 = p + Δ = 0 + 0.05 = 0.05',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-23.2845)',
            'p ← p × (1 − lr × wd) = 0.05 × 0.995 = 0.04975   (decay (-0.00025); PyTorch scales by lr)',
            'm_2 = β1 × m_1 + (1 − β1) × g = 0.9 × (-2.2) + 0.1 × (-23.2845) = (-4.30845)',
            'v_2 = β2 × v_1 + (1 − β2) × g² = 0.999 × 0.484 + 0.001 × (-23.2845)² = 1.02568',
            'bc1 = 1 − β1^2 = 0.19;  bc2 = 1 − β2^2 = 0.001999',
            'm̂ = m / bc1 = (-22.6761);  v̂ = v / bc2 = 513.099',
            'denom = √v̂ + ε = √513.099 + 1e-08 = 22.6517',
            'Δ = −(lr / bc1) × m / denom = −0.263158 × (-4.30845) / 22.6517 = 0.0500538   (effective step size lr/bc1/denom = 0.0116176)',
            'p_2 = p + Δ = 0.04975 + 0.0500538 = 0.0998038',
        ],
    ]),
    ('amsgrad', {'weight_decay': 0.1}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            "g' = g + wd × p = (-22) + 0.1 × 0 = (-22)   (L2 in the gradient)",
            'm_1 = β1 × m_0 + (1 − β1) × g = 0.9 × 0 + 0.1 × (-22) = (-2.2)',
            'v_1 = β2 × v_0 + (1 − β2) × g² = 0.999 × 0 + 0.001 × (-22)² = 0.484',
            'v_max = max(v_max_prev, v_1) = max(0, 0.484) = 0.484   (max of the raw v, as PyTorch)',
            'bc1 = 1 − β1^1 = 0.1;  bc2 = 1 − β2^1 = 0.001',
            'm̂ = m / bc1 = (-22);  v̂ = v_max / bc2 = 484',
            'denom = √v̂ + ε = √484 + 1e-08 = 22',
            'Δ = −(lr / bc1) × m / denom = −0.5 × (-2.2) / 22 = 0.05   (effective step size lr/bc1/denom = 0.0227273)',
            'p_1 = p + Δ = 0 + 0.05 = 0.05',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-23.2845)',
            "g' = g + wd × p = (-23.2845) + 0.1 × 0.05 = (-23.2795)   (L2 in the gradient)",
            'm_2 = β1 × m_1 + (1 − β1) × g = 0.9 × (-2.2) + 0.1 × (-23.2795) = (-4.30795)',
            'v_2 = β2 × v_1 + (1 − β2) × g² = 0.999 × 0.484 + 0.001 × (-23.2795)² = 1.02545',
            'v_max = max(v_max_prev, v_2) = max(0.484, 1.02545) = 1.02545   (max of the raw v, as PyTorch)',
            'bc1 = 1 − β1^2 = 0.19;  bc2 = 1 − β2^2 = 0.001999',
            'm̂ = m / bc1 = (-22.6734);  v̂ = v_max / bc2 = 512.982',
            'denom = √v̂ + ε = √512.982 + 1e-08 = 22.6491',
            'Δ = −(lr / bc1) × m / denom = −0.263158 × (-4.30795) / 22.6491 = 0.0500537   (effective step size lr/bc1/denom = 0.0116189)',
            'p_2 = p + Δ = 0.05 + 0.0500537 = 0.100054',
        ],
    ]),
    ('amsgrad', {'variant': 'reddi', 'weight_decay': 0.1}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            "g' = g + wd × p = (-22)",
            'm_1 = β1 × m_0 + (1 − β1) × g = 0.9 × 0 + 0.1 × (-22) = (-2.2)',
            'v_1 = β2 × v_0 + (1 − β2) × g² = 0.999 × 0 + 0.001 × (-22)² = 0.484',
            'v̂_1 = max(v̂_0, v_1) = max(0, 0.484) = 0.484',
            'Δ = −lr × m / (√v̂ + ε) = −0.05 × (-2.2) / 0.695701 = 0.158114   (no bias correction: Reddi et al., Algorithm 2)',
            'p_1 = p_0 + Δ = 0 + 0.158114 = 0.158114',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-25.9451)',
            "g' = g + wd × p = (-25.9293)",
            'm_2 = β1 × m_1 + (1 − β1) × g = 0.9 × (-2.2) + 0.1 × (-25.9293) = (-4.57293)',
            'v_2 = β2 × v_1 + (1 − β2) × g² = 0.999 × 0.484 + 0.001 × (-25.9293)² = 1.15585',
            'v̂_2 = max(v̂_1, v_2) = max(0.484, 1.15585) = 1.15585',
            'Δ = −lr × m / (√v̂ + ε) = −0.05 × (-4.57293) / 1.0751 = 0.212674   (no bias correction: Reddi et al., Algorithm 2)',
            'p_2 = p_1 + Δ = 0.158114 + 0.212674 = 0.370788',
        ],
    ]),
    ('rmsprop', {}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            'v_1 = α × v_0 + (1 − α) × g² = 0.99 × 0 + 0.01 × (-22)² = 4.84',
            'denom = √v + ε = √4.84 + 1e-08 = 2.2',
            'Δ = −lr × g / denom = −0.05 × (-22) / 2.2 = 0.5',
            'p_1 = p_0 + Δ = 0 + 0.5 = 0.5',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-33)',
            'v_2 = α × v_1 + (1 − α) × g² = 0.99 × 4.84 + 0.01 × (-33)² = 15.6816',
            'denom = √v + ε = √15.6816 + 1e-08 = 3.96',
            'Δ = −lr × g / denom = −0.05 × (-33) / 3.96 = 0.416667',
            'p_2 = p_1 + Δ = 0.5 + 0.416667 = 0.916667',
        ],
    ]),
    ('rmsprop', {'momentum': 0.9, 'centered': True, 'weight_decay': 0.1}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            "g' = g + wd × p = (-22)",
            'v_1 = α × v_0 + (1 − α) × g² = 0.99 × 0 + 0.01 × (-22)² = 4.84',
            'ḡ = (-0.22);  denom = √(v − ḡ²) + ε = 2.18897',
            'b_1 = μ × b_0 + g / denom = 0.9 × 0 + (-22) / 2.18897 = (-10.0504)',
            'Δ = −lr × b_1 = 0.502519',
            'p_1 = p_0 + Δ = 0 + 0.502519 = 0.502519',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-33.0427)',
            "g' = g + wd × p = (-32.9925)",
            'v_2 = α × v_1 + (1 − α) × g² = 0.99 × 4.84 + 0.01 × (-32.9925)² = 15.6766',
            'ḡ = (-0.547725);  denom = √(v − ḡ²) + ε = 3.92131',
            'b_2 = μ × b_1 + g / denom = 0.9 × (-10.0504) + (-32.9925) / 3.92131 = (-17.459)',
            'Δ = −lr × b_2 = 0.872949',
            'p_2 = p_1 + Δ = 0.502519 + 0.872949 = 1.37547',
        ],
    ]),
    ('adagrad', {'lr_decay': 0.1, 'weight_decay': 0.1}, [
        [
            'step t = 1, lr = 0.05',
            'g = ∂L/∂p[1] = (-22)',
            "g' = g + wd × p = (-22)",
            'clr = lr / (1 + (t − 1) × lr_decay) = 0.05',
            's_1 = s_0 + g² = 0 + (-22)² = 484',
            'Δ = −clr × g / (√s + ε) = −0.05 × (-22) / 22 = 0.05',
            'p_1 = p_0 + Δ = 0 + 0.05 = 0.05',
        ],
        [
            'step t = 2, lr = 0.05',
            'g = ∂L/∂p[1] = (-23.2845)',
            "g' = g + wd × p = (-23.2795)",
            'clr = lr / (1 + (t − 1) × lr_decay) = 0.0454545',
            's_2 = s_1 + g² = 484 + (-23.2795)² = 1025.94',
            'Δ = −clr × g / (√s + ε) = −0.0454545 × (-23.2795) / 32.0302 = 0.0330363',
            'p_2 = p_1 + Δ = 0.05 + 0.0330363 = 0.0830363',
        ],
    ]),
    ('admm_adam', {'inner_steps': 2, 'balance': True, 'mu': 1.0001}, [
        [
            'step t = 1, lr = 0.05, inner 1 of 2',
            'g = ∂L/∂p[1] = (-22)',
            'g_aug = g + ρ × (p − z + u) = (-22) + 1 × (0 − 0 + 0) = (-22)',
            'm_1 = β1 × m_0 + (1 − β1) × g = 0.9 × 0 + 0.1 × (-22) = (-2.2)',
            'v_1 = β2 × v_0 + (1 − β2) × g² = 0.999 × 0 + 0.001 × (-22)² = 0.484',
            'bc1 = 1 − β1^1 = 0.1;  bc2 = 1 − β2^1 = 0.001',
            'm̂ = m / bc1 = (-22);  v̂ = v / bc2 = 484',
            'denom = √v̂ + ε = √484 + 1e-08 = 22',
            'Δ = −(lr / bc1) × m / denom = −0.5 × (-2.2) / 22 = 0.05   (effective step size lr/bc1/denom = 0.0227273)',
            'p = 0 + 0.05 = 0.05',
        ],
        [
            'step t = 2, lr = 0.05, inner 2 of 2, then z/u update (outer 1)',
            'g = ∂L/∂p[1] = (-23.2845)',
            'g_aug = g + ρ × (p − z + u) = (-23.2845) + 1 × (0.05 − 0 + 0) = (-23.2345)',
            'm_2 = β1 × m_1 + (1 − β1) × g = 0.9 × (-2.2) + 0.1 × (-23.2345) = (-4.30345)',
            'v_2 = β2 × v_1 + (1 − β2) × g² = 0.999 × 0.484 + 0.001 × (-23.2345)² = 1.02336',
            'bc1 = 1 − β1^2 = 0.19;  bc2 = 1 − β2^2 = 0.001999',
            'm̂ = m / bc1 = (-22.6497);  v̂ = v / bc2 = 511.935',
            'denom = √v̂ + ε = √511.935 + 1e-08 = 22.626',
            'Δ = −(lr / bc1) × m / denom = −0.263158 × (-4.30345) / 22.626 = 0.0500525   (effective step size lr/bc1/denom = 0.0116308)',
            'p = 0.05 + 0.0500525 = 0.100052',
            'z = prox(p + u) = prox(0.100052 + 0) = 5.24994e-05   [l1]',
            'u = u + p − z = 0.05 (rescaled: ρ 1 → 2)',
            'primal residual r = ‖p − z‖ = 0.141421  (tolerance 1.55644e-05)',
            'dual residual s = ρ ‖z − z_prev‖ = 8.11221e-05  (tolerance 1.55563e-05)',
            'not converged yet',
        ],
    ]),
]


@pytest.mark.parametrize("name,hparams,expected", EXPLAINED,
                         ids=[f"{n}{sorted(h.items())}" for n, h, _ in EXPLAINED])
def test_every_formula_reads_as_before(name, hparams, expected):
    problem = make_problem("himmelblau")
    for on_floats in (False, True) if make_optimizer(name).supports_floats else (False,):
        opt = make_optimizer(name, lr=0.05, **hparams)
        w = problem.x0.copy()
        for lines in expected:
            if on_floats:
                new_w, trace = opt.step_floats(w.tolist(), problem.grad(w).tolist())
                w = np.array(new_w)
            else:
                trace = opt.step(w, problem.grad(w))
            assert explain_step(trace, 1) == lines, on_floats
