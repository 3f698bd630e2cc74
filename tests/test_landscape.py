"""Landscapes: grids equal pointwise evaluation; slices, directions and projections."""

import numpy as np
import pytest

from gdplay.engine import make_problem, problem_names
from gdplay.engine.landscape import (axis_plane, curve_1d, filter_normalized_plane, grid_2d,
                                     pca_plane, slice_grid)


@pytest.mark.parametrize("name", problem_names("2d"))
def test_grid_equals_pointwise(name):
    p = make_problem(name)
    g = grid_2d(p, n=17)
    assert g.z.shape == (17, 17)
    for i in (0, 5, 16):
        for j in (0, 9, 16):
            assert g.z[i, j] == p.loss(np.array([g.x[j], g.y[i]]))


@pytest.mark.parametrize("name", problem_names("1d"))
def test_curve_equals_pointwise(name):
    p = make_problem(name)
    c = curve_1d(p, n=33)
    for i in (0, 10, 32):
        assert c.y[i] == p.loss(np.array([c.x[i]]))


@pytest.mark.parametrize("options", [dict(), dict(dataset="sine", hidden=(16, 16), activation="tanh", n_samples=256, bias=True)])
def test_network_grid_equals_pointwise(options):
    p = make_problem("mlp", **options)
    rng = np.random.default_rng(0)
    points = p.x0 + rng.standard_normal((3, 4, p.dim))
    z = p.loss_grid(points)
    assert z.shape == (3, 4)
    for idx in np.ndindex(3, 4):
        assert z[idx] == pytest.approx(p.loss(points[idx]), rel=1e-12)


def test_axis_slice_is_exact_on_the_scalar_chain():
    p = make_problem("mlp", dataset="scalar_chain")
    plane = axis_plane(p, p.x0, 0, 1)
    a = np.linspace(-1, 1, 5)
    b = np.linspace(-2, 2, 7)
    g = slice_grid(p, plane, a, b)
    for i in range(7):
        for j in range(5):
            w = p.x0.copy()
            w[0] += a[j]
            w[1] += b[i]
            assert g.z[i, j] == pytest.approx(p.loss(w), rel=1e-12)
    assert plane.labels == ("W1[0,0]", "W2[0,0]")


def test_filter_normalized_directions_match_weight_norms_per_neuron():
    p = make_problem("mlp", dataset="sine", hidden=(8, 6), bias=True)
    plane = filter_normalized_plane(p, p.x0, seed=1)
    for d in (plane.d1, plane.d2):
        dv = p.views(d)
        wv = p.views(p.x0)
        for name in ("W1", "W2", "WO"):
            np.testing.assert_allclose(np.linalg.norm(dv[name], axis=0),
                                       np.linalg.norm(wv[name], axis=0))
        assert not dv["b1"].any()
    again = filter_normalized_plane(p, p.x0, seed=1)
    np.testing.assert_array_equal(plane.d1, again.d1)


def test_pca_plane_of_a_planar_trajectory_explains_everything():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((10, 2)))[0]
    coords = rng.standard_normal((50, 2)) * [3.0, 1.0]
    traj = coords @ basis.T + 5.0
    plane = pca_plane(traj)
    assert sum(plane.explained) == pytest.approx(1.0)
    assert plane.explained[0] > plane.explained[1]
    ab = plane.project(traj)
    back = plane.origin + ab[:, :1] * plane.d1 + ab[:, 1:] * plane.d2
    np.testing.assert_allclose(back, traj, atol=1e-10)


def test_projection_is_least_squares_on_a_skew_plane():
    p = make_problem("mlp", dataset="sine", hidden=(4, 4), activation="tanh")
    plane = filter_normalized_plane(p, p.x0)  # random directions: neither unit nor orthogonal
    assert abs(plane.d1 @ plane.d2) > 1e-3 * np.linalg.norm(plane.d1) * np.linalg.norm(plane.d2)
    np.testing.assert_allclose(plane.project(plane.point(0.3, -0.2)), [[0.3, -0.2]], atol=1e-12)
    off = plane.point(0.3, -0.2) + np.random.default_rng(2).standard_normal(p.dim)
    (a, b), = plane.project(off)
    residual = off - plane.point(a, b)  # orthogonal to the plane
    assert abs(residual @ plane.d1) < 1e-9 and abs(residual @ plane.d2) < 1e-9


def test_projection_gap_is_zero_on_the_plane_and_not_off_it():
    p = make_problem("mlp", dataset="sine", hidden=(4, 4), activation="tanh")
    rng = np.random.default_rng(1)
    plane = filter_normalized_plane(p, p.x0)
    on = plane.point(0.3, -0.2)
    assert plane.projection_gap(p, on[None])[0] == pytest.approx(0.0, abs=1e-12)
    off = on + rng.standard_normal(p.dim)
    assert abs(plane.projection_gap(p, off[None])[0]) > 1e-6


def test_contour_segments_lie_on_their_level():
    from gdplay.engine.landscape import contour_segments
    x = np.linspace(-1, 1, 31)
    y = np.linspace(-2, 2, 41)
    z = x[None, :] + 2 * y[:, None]           # linear: interpolation is exact
    segs = contour_segments(x, y, z, [0.5])
    assert segs.shape[0] > 0 and segs.shape[0] % 2 == 0
    np.testing.assert_allclose(segs[:, 0] + 2 * segs[:, 1], 0.5, atol=1e-12)


def test_contours_of_a_bowl_are_closed_circles():
    from gdplay.engine.landscape import contour_levels, contour_segments
    g = grid_2d(make_problem("booth"), n=101)
    levels = contour_levels(g.z, 10)
    assert len(levels) == 10 and np.all(np.diff(levels) > 0)
    x = np.linspace(-1, 1, 201)
    z = x[None, :] ** 2 + x[:, None] ** 2
    segs = contour_segments(x, x, z, [0.21171])  # a level through no grid node
    r = np.hypot(segs[:, 0], segs[:, 1])
    np.testing.assert_allclose(r, np.sqrt(0.21171), atol=2e-3)
    # every endpoint is shared by exactly two segments: the curve is closed
    keys, counts = np.unique(np.round(segs, 9), axis=0, return_counts=True)
    assert np.all(counts == 2)


def test_a_snapshot_of_another_shape_is_not_drawn_on_the_map(qtbot, window):
    # a snapshot can arrive before the map of its problem: 1D points on a 2D map raised
    # IndexError in every frame until the map came (217 times in random use)
    import dataclasses

    w = window
    snap2d = w.snapshot
    one_d = dataclasses.replace(snap2d, lanes=tuple(
        dataclasses.replace(lane, point=lane.point[:1]) for lane in snap2d.lanes))
    assert not w.landscape_view.shows(one_d)
    w.landscape_view.show_snapshot(one_d)  # nothing drawn, nothing raised
    assert w.landscape_view.shows(snap2d)


def test_a_new_map_paints_no_empty_markers(qtbot):
    # they were visible until the first inspection hid them: Qt paints an empty scatter
    # item at the origin, and a test of it failed whenever that inspection came late
    from gdplay.ui.views import LandscapeView

    view = LandscapeView()
    qtbot.addWidget(view)
    for item in (view.step_marker, view.z_markers, view.constraint, view.duals):
        assert not item.isVisible()
