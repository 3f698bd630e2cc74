"""One command, one table: ``python -m benchmarks`` (or ``python benchmarks/run.py``).

Every figure is a median of repeated runs; every comparison is measured side by side in
the same run and given as a ratio: the loops compared run in alternating rounds, and a
ratio is the median of the rounds' ratios. Results are also written as JSON
(``benchmarks/results/latest.json``). ``--quick`` runs each case briefly (for the test
suite: it checks that the command works, not how fast it is).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gdplay.app import BLAS_THREAD_VARIABLES  # noqa: E402  (gdplay.app imports no NumPy)

# NumPy's BLAS on one thread, as torch below (set_num_threads(1)) and as the app on a 2-core
# machine (gdplay.app.leave_a_core_for_the_window): a lane's speed on one core. With two
# threads the 4-64-64-1 rows swung 2x between runs with the other core's load.
for _name in BLAS_THREAD_VARIABLES:
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

from gdplay.engine import landscape as ls  # noqa: E402
from gdplay.engine import make_problem  # noqa: E402
from gdplay.engine.optimizers import make_optimizer, optimizer_names  # noqa: E402
from gdplay.engine.session import LaneConfig, Session  # noqa: E402

HPARAMS = {"sgd": dict(lr=1e-4, momentum=0.9), "adam": dict(lr=1e-3), "adamw": dict(lr=1e-3),
           "amsgrad": dict(lr=1e-3), "admm_adam": dict(lr=1e-3), "rmsprop": dict(lr=1e-4),
           "adagrad": dict(lr=1e-3)}
PROBLEMS = {
    "rosenbrock": ("rosenbrock", {}),
    "mlp 1-16-16-1/256": ("mlp", dict(dataset="sine", hidden=(16, 16), activation="tanh",
                                      n_samples=256)),
    "mlp 4-64-64-1/1024": ("mlp", dict(dataset="temperature", hidden=(64, 64), activation="tanh",
                                       n_samples=1024)),
}


def side_by_side(loops: dict, repeats: int) -> tuple[dict, list[dict]]:
    """Run ``loops`` ({name: (fn, steps)}) in ``repeats`` rounds, each loop once a round:
    a slow minute of this shared machine then lands on every loop of a round, not on all the
    repeats of one. Returns each loop's median steps per second and every round's rates
    (for ratios taken within a round)."""
    rounds = []
    names = list(loops)
    for r in range(repeats):
        rates = {}
        for name in names[r % len(names):] + names[:r % len(names)]:  # each goes first in turn
            fn, steps = loops[name]
            t0 = time.perf_counter()
            fn(steps)
            rates[name] = steps / (time.perf_counter() - t0)
        rounds.append(rates)
    medians = {name: statistics.median(r[name] for r in rounds) for name in loops}
    return medians, rounds


def median_ratio(rounds: list[dict], a: str, b: str) -> float:
    """The median over rounds of rate a / rate b, both measured in the same round."""
    return statistics.median(r[a] / r[b] for r in rounds)


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# --- 1-3: the engine, the bare floor, torch ------------------------------------------------

def engine_loop(problem_name, options, opt):
    """``run(n)``: n steps of one lane in a Session, with full tracing and history."""
    problem = make_problem(problem_name, **options)

    def run(n):
        s = Session(problem, [LaneConfig(opt, HPARAMS[opt])])
        s.step(n, trace=True)  # full tracing and history
    return run


def _bare_loop(problem, opt: str, hp: dict):
    """``run(n)``: n steps of gradient + update as plain NumPy on arrays, written inline
    (no call, no lookup that the step itself does not need), nothing recorded."""
    grad = problem.grad
    x0 = problem.x0
    lr = hp["lr"]
    b1, b2, eps = 0.9, 0.999, 1e-8
    if opt == "sgd":
        mu = hp["momentum"]

        def run(n):
            w = x0.copy()
            b = np.zeros_like(w)
            for _ in range(n):
                b = mu * b + grad(w)
                w -= lr * b
    elif opt in ("adam", "adamw"):
        decay = 1.0 - lr * 1e-2  # AdamW's default weight decay

        def run(n):
            w = x0.copy()
            m = np.zeros_like(w)
            v = np.zeros_like(w)
            for t in range(1, n + 1):
                g = grad(w)
                if opt == "adamw":
                    w *= decay
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                w -= (lr / (1 - b1 ** t)) * m / (np.sqrt(v / (1 - b2 ** t)) + eps)
    elif opt == "amsgrad":
        def run(n):
            w = x0.copy()
            m = np.zeros_like(w)
            v = np.zeros_like(w)
            vmax = np.zeros_like(w)
            for t in range(1, n + 1):
                g = grad(w)
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                vmax = np.maximum(vmax, v)
                w -= (lr / (1 - b1 ** t)) * m / (np.sqrt(vmax / (1 - b2 ** t)) + eps)
    elif opt == "rmsprop":
        def run(n):
            w = x0.copy()
            v = np.zeros_like(w)
            for _ in range(n):
                g = grad(w)
                v = 0.99 * v + 0.01 * g * g
                w -= lr * g / (np.sqrt(v) + eps)
    elif opt == "adagrad":
        def run(n):
            w = x0.copy()
            s = np.zeros_like(w)
            for _ in range(n):
                g = grad(w)
                s = s + g * g
                w -= lr * g / (np.sqrt(s) + 1e-10)
    else:  # ADMM-Adam: the engine's own optimizer, untraced, without the session around it
        def run(n):
            o = make_optimizer(opt, **hp)
            w = x0.copy()
            for _ in range(n):
                o.step(w, grad(w), trace=False)
    return run


def bare_loop(problem_name, options, opt):
    """Gradient + update and nothing else, on NumPy arrays: the floor for the same step."""
    return _bare_loop(make_problem(problem_name, **options), opt, HPARAMS[opt])


TORCH_CLASSES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
                 "adagrad": "Adagrad", "amsgrad": "Adam"}
TORCH_EXTRA = {"amsgrad": {"amsgrad": True}}  # ADMM-Adam has no torch counterpart


def torch_loop(problem_name, options, opt):
    """``run(n)``: torch.optim + autograd on the same problem, float64, one thread (None
    without torch, or for an optimizer torch does not have)."""
    try:
        import torch
    except ImportError:
        return None
    if opt not in TORCH_CLASSES:
        return None
    torch.set_num_threads(1)
    problem = make_problem(problem_name, **options)
    if problem_name == "rosenbrock":
        def loss_fn(p):
            return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
    else:
        X = torch.from_numpy(problem.data.X)
        Y = torch.from_numpy(problem.data.Y)
        layout = problem.layout
        act = torch.tanh if problem.activation == "tanh" else (lambda h: h)

        def loss_fn(p):
            W1 = p[layout["W1"][0]].reshape(layout["W1"][1])
            W2 = p[layout["W2"][0]].reshape(layout["W2"][1])
            WO = p[layout["WO"][0]].reshape(layout["WO"][1])
            O = act(act(X @ W1) @ W2) @ WO
            return ((O - Y) ** 2).mean()

    def run(n):
        p = torch.tensor(problem.x0.copy(), dtype=torch.float64, requires_grad=True)
        o = getattr(torch.optim, TORCH_CLASSES[opt])([p], **HPARAMS[opt],
                                                     **TORCH_EXTRA.get(opt, {}))
        for _ in range(n):
            o.zero_grad()
            loss_fn(p).backward()
            o.step()
    return run


# --- 4: the window ------------------------------------------------------------------------

# the window benchmark's five lanes, run in the window and headless alike
WINDOW_LANES = [("sgd", dict(lr=1e-4, momentum=0.9)), ("adam", dict(lr=0.01)),
                ("adamw", dict(lr=0.01)), ("amsgrad", dict(lr=0.01)), ("rmsprop", dict(lr=1e-3))]


def session_rates(lanes, steps: int, repeats: int) -> list[float]:
    """Steps per second of a headless Session on Rosenbrock with these lanes, every step
    traced and recorded, in each of ``repeats`` runs."""
    problem = make_problem("rosenbrock")

    def run(n):
        Session(problem, [LaneConfig(o, dict(h)) for o, h in lanes]).step(n, trace=True)
    return [r["session"] for r in side_by_side({"session": (run, steps)}, repeats)[1]]


WINDOW_PROBE = r"""
import json, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from gdplay.app import leave_a_core_for_the_window, paint_on_the_window_thread
leave_a_core_for_the_window()  # as the app does, before NumPy is imported
paint_on_the_window_thread()  # and before the first paint
import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
import tempfile
QCoreApplication.setOrganizationName("gdplay-bench")
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
from gdplay.engine.session import LaneConfig
from gdplay.ui import prefs
from gdplay.ui.main_window import MainWindow
prefs.set_data_folder(tempfile.mkdtemp())  # its autosave is not the user's
MainWindow.ask_on_close = False  # nobody answers "Save changes?" here
seconds = float(sys.argv[1])
w = MainWindow(); w.resize(1400, 950); w.show()
def wait(ms):
    loop = QEventLoop(); QTimer.singleShot(ms, loop.quit); loop.exec()
wait(300)
w.controls.set_lanes([LaneConfig(o, h) for o, h in json.loads(sys.argv[2])])
wait(300)
w.controls.speed_slider.setValue(w.controls.speed_slider.maximum())
late = []
expected = [None]
def tick():
    now = time.perf_counter()
    if expected[0] is not None:
        late.append(max(0.0, now - expected[0]))
    expected[0] = now + 0.010
probe = QTimer(); probe.setInterval(10); probe.timeout.connect(tick); probe.start()
r0 = w.redraws
from gdplay.present import Run
w.send(Run())
wait(300)
s0, t0, r0 = w.snapshot.step, time.perf_counter(), w.redraws
wait(int(seconds * 1000))
s1, t1, r1 = w.snapshot.step, time.perf_counter(), w.redraws
w.close()
print(json.dumps({"steps_per_s": (s1 - s0) / (t1 - t0), "redraws_per_s": (r1 - r0) / (t1 - t0),
                  "late_p50_ms": 1000 * float(np.percentile(late, 50)),
                  "late_p99_ms": 1000 * float(np.percentile(late, 99))}))
"""

STARTUP_PROBE = r"""
import os, sys, time
t0 = float(sys.argv[1])
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from gdplay.app import leave_a_core_for_the_window, paint_on_the_window_thread
leave_a_core_for_the_window()  # as the app does
paint_on_the_window_thread()
from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
import tempfile
QCoreApplication.setOrganizationName("gdplay-bench")
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
from gdplay.ui import prefs
from gdplay.ui.main_window import MainWindow
prefs.set_data_folder(tempfile.mkdtemp())
MainWindow.ask_on_close = False
w = MainWindow(); w.show()
def done():
    if w.redraws > 0:
        print(time.time() - t0); w.close(); app.quit()
    else:
        QTimer.singleShot(2, done)
QTimer.singleShot(0, done)
app.exec()
"""

MEMORY_PROBE = r"""
import resource, sys
from gdplay.engine import make_problem
from gdplay.engine.session import LaneConfig, Session

def rss_mb():
    # resident memory now (Linux); elsewhere the peak, which can only overstate growth
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

steps = int(sys.argv[1])
s = Session(make_problem("rosenbrock"), [LaneConfig(n, {"lr": 1e-4}) for n in
            ("sgd", "adam", "adamw", "amsgrad", "rmsprop")])
s.step(1)
before = rss_mb()
done = 0
while done < steps:
    s.step(min(10000, steps - done), trace=False)
    done += min(10000, steps - done)
assert all(lane.t == steps + 1 for lane in s.lanes), [lane.status_text() for lane in s.lanes]
grown = rss_mb() - before

# the loss curve with that history: a snapshot (worker side) and a redraw (window side)
import os, statistics, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from gdplay.app import paint_on_the_window_thread
paint_on_the_window_thread()  # as the app does
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gdplay.present import Presenter
from gdplay.ui.views import LossView
presenter = Presenter()
presenter.use_session(s)
view = LossView()
view.resize(700, 400)
view.show()
snap_ms, draw_ms = [], []
for _ in range(30):
    t0 = time.perf_counter()
    snap = presenter.snapshot(0, False, 0.0)
    t1 = time.perf_counter()
    view.show_snapshot(snap)
    view.plot.viewport().repaint()
    t2 = time.perf_counter()
    snap_ms.append(1000 * (t1 - t0))
    draw_ms.append(1000 * (t2 - t1))
print(grown, statistics.median(snap_ms), statistics.median(draw_ms))
"""


def run_probe(code: str, *args) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                         text=True, env=env, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return out.stdout.strip().splitlines()[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    args = parser.parse_args(argv)
    quick = args.quick
    repeats = 1 if quick else 5
    results: dict = {"quick": quick, "engine": [], "landscape": {}, "window": {}}
    rows = []

    print("1-3. steps per second per lane (median of %d rounds, each running the engine, the bare "
          "loop and torch once;\n     ratios are medians of each round's ratio); engine = session "
          "with full tracing and history; bare = gradient + update only" % repeats)
    header = f"{'problem':22s} {'optimizer':10s} {'engine':>10s} {'bare':>10s} {'bare/eng':>9s} {'torch':>10s} {'eng/torch':>9s}"
    print(header)
    for label, (pname, options) in PROBLEMS.items():
        big = "4-64" in label
        steps = 20 if quick else (300 if big else (3000 if pname == "mlp" else 20000))
        for opt in optimizer_names():
            loops = {"engine": (engine_loop(pname, options, opt), steps),
                     "bare": (bare_loop(pname, options, opt), steps)}
            torch_run = None if quick else torch_loop(pname, options, opt)
            if torch_run is not None:
                loops["torch"] = (torch_run, max(steps // 4, 20))
            rates, rounds = side_by_side(loops, repeats)
            e, b, t = rates["engine"], rates["bare"], rates.get("torch")
            bare_over_engine = median_ratio(rounds, "bare", "engine")
            engine_over_torch = median_ratio(rounds, "engine", "torch") if t else None
            row = {"problem": label, "optimizer": opt, "engine": e, "bare": b, "torch": t,
                   "bare_over_engine": bare_over_engine, "engine_over_torch": engine_over_torch}
            results["engine"].append(row)
            print(f"{label:22s} {opt:10s} {e:10.0f} {b:10.0f} {bare_over_engine:9.2f} "
                  f"{(f'{t:10.0f}' if t else '         -')} "
                  f"{(f'{engine_over_torch:9.1f}' if t else '        -')}")

    print("\n5. landscapes (median of %d)" % repeats)
    p = make_problem("rosenbrock")

    def grid_and_contours():
        g = ls.grid_2d(p, 400)
        ls.contour_segments(g.x, g.y, g.z, ls.contour_levels(g.z, 15))
    t_grid = median_time(grid_and_contours, repeats)
    net = make_problem("mlp", **PROBLEMS["mlp 1-16-16-1/256"][1])

    def slice_and_contours():
        plane = ls.filter_normalized_plane(net, net.x0)
        a = np.linspace(-1, 1, 41)
        g = ls.slice_grid(net, plane, a, a)
        ls.contour_segments(g.x, g.y, g.z, ls.contour_levels(g.z, 15))
    t_slice = median_time(slice_and_contours, repeats)
    results["landscape"] = {"grid_400_ms": 1000 * t_grid, "mlp_slice_41_ms": 1000 * t_slice}
    print(f"  400x400 Rosenbrock grid + 15 contour levels: {1000 * t_grid:8.1f} ms   (goal < 30)")
    print(f"  41x41 slice of 1-16-16-1/256 + contours:     {1000 * t_slice:8.1f} ms   (goal < 200)")

    seconds = 1.0 if quick else 10.0
    runs = 1 if quick else 3
    print(f"\n4. the window, offscreen, five lanes on Rosenbrock at full speed for {seconds:g} s"
          + (f" (median of {runs} runs, lowest-highest)" if runs > 1 else ""))
    # Each run's rate is compared with the headless rate measured just before and just
    # after it (the median of both sets): the machine's speed drifts from minute to minute,
    # and one slow stretch during a single window run decided the ratio
    headless_steps, headless_repeats = (20, 1) if quick else (20000, 3)
    win_runs = []
    for _ in range(runs):
        before = session_rates(WINDOW_LANES, headless_steps, headless_repeats)
        win = json.loads(run_probe(WINDOW_PROBE, seconds, json.dumps(WINDOW_LANES)))
        win["headless_steps_per_s_5_lanes"] = statistics.median(
            before + session_rates(WINDOW_LANES, headless_steps, headless_repeats))
        win["ratio"] = win["steps_per_s"] / win["headless_steps_per_s_5_lanes"]
        win_runs.append(win)

    def spread(key: str, fmt: str) -> str:
        values = [w[key] for w in win_runs]
        median = format(statistics.median(values), fmt)
        return median if runs == 1 else (f"{median} ({format(min(values), fmt)}-"
                                         f"{format(max(values), fmt)})")

    results["window"] = {key: statistics.median(w[key] for w in win_runs)
                         for key in win_runs[0]}
    results["window"]["runs"] = win_runs
    print(f"  worker: {spread('steps_per_s', '.0f')} steps/s, headless 5 lanes "
          f"{spread('headless_steps_per_s_5_lanes', '.0f')}: ratio {spread('ratio', '.2f')} "
          f"(goal >= 0.5)")
    print(f"  redraws: {spread('redraws_per_s', '.1f')} per s (goal >= 30)")
    print(f"  10 ms timer lateness: p50 {spread('late_p50_ms', '.1f')} ms, "
          f"p99 {spread('late_p99_ms', '.1f')} ms (goal p99 < 16)")

    steps = 10_000 if quick else 1_000_000
    print(f"\n6. memory: five lanes, {steps:,} steps")
    grown, snap_ms, draw_ms = map(float, run_probe(MEMORY_PROBE, steps).split())
    results["memory_mb_after_steps"] = grown
    results["loss_curve_with_history"] = {"snapshot_ms": snap_ms, "redraw_ms": draw_ms,
                                          "fps": 1000.0 / (snap_ms + draw_ms)}
    print(f"  resident memory grew by {grown:.1f} MB after step 1 (goal < 150)")
    print(f"  loss curve of that history: snapshot {snap_ms:.1f} ms + redraw {draw_ms:.1f} ms "
          f"= {1000.0 / (snap_ms + draw_ms):.0f} fps (goal >= 30)")

    print("\n7. start-up, process start to first drawn window (median of %d)" % (1 if quick else 5))
    starts = [float(run_probe(STARTUP_PROBE, time.time())) for _ in range(1 if quick else 5)]
    results["startup_s"] = statistics.median(starts)
    print(f"  {statistics.median(starts):.2f} s (goal < 1.5 warm)")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
