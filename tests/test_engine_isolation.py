"""The engine is pure NumPy, imports itself in one direction, and is usable from a notebook
by ``from gdplay.engine import ...``."""

import ast
import subprocess
import sys
from pathlib import Path

import gdplay.engine

ENGINE = Path(gdplay.engine.__file__).resolve().parent


def test_engine_imports_no_qt():
    code = (
        "import sys, gdplay.engine, gdplay.engine.landscape, gdplay.engine.network\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'PyQt5', 'PyQt6', 'pyqtgraph'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _engine_modules() -> dict[str, Path]:
    """Every module of gdplay/engine by dotted name (a package by its __init__)."""
    modules = {}
    for path in sorted(ENGINE.rglob("*.py")):
        parts = ("gdplay", "engine") + path.relative_to(ENGINE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _type_checking_only(node: ast.AST, parents: dict) -> bool:
    """Inside ``if TYPE_CHECKING:``: never run, so no dependency at run time."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The engine modules that module ``name`` imports, at its top or inside a function
    (a lazy import is an arrow all the same). Importing a.b.c runs package a.b first,
    which counts unless the importer is itself inside a.b (then a.b is already running)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets.add(mod)
            targets.update(f"{mod}.{alias.name}" for alias in node.names)  # submodules
    found = set()
    for target in targets:
        parts = target.split(".")
        for i in range(2, len(parts) + 1):
            candidate = ".".join(parts[:i])
            if candidate not in modules or candidate == name:
                continue
            if (name + ".").startswith(candidate + ".") and candidate != target:
                continue  # a package the importer lives in
            found.add(candidate)
    return found


def test_the_engine_has_no_import_cycles():
    modules = _engine_modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert "gdplay.engine.network" in graph["gdplay.engine.problems"]  # the walk sees imports
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles in gdplay/engine:\n" + "\n".join(cycles)


def test_the_engine_front_door_exports_what_a_notebook_needs():
    exported = set(gdplay.engine.__all__)
    assert {"make_problem", "problem_names", "make_optimizer", "optimizer_names", "Session",
            "LaneConfig", "Breakpoint", "StepTrace", "explain_step", "gradient_check",
            "make_schedule"} <= exported
    for name in sorted(exported):
        value = getattr(gdplay.engine, name)
        assert (value.__doc__ or "").strip(), f"gdplay.engine.{name} has no docstring"


def test_the_front_door_runs_the_design_contract():
    from gdplay.engine import LaneConfig, Session, make_optimizer, make_problem

    p = make_problem("rosenbrock")
    opt = make_optimizer("adam", lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    w = p.x0.copy()
    trace = opt.step(w, p.grad(w))
    assert set(trace.values) >= {"g", "delta"} and p.loss(w) < p.loss(p.x0)
    session = Session(p, [LaneConfig("adam", dict(lr=1e-2))])
    session.step(10)
    assert session.lanes[0].t == 10
