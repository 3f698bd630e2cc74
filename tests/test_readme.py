"""The README stays true: CI runs its test command verbatim, and the keys, menus, Python
example, CLI commands and config file it shows are the app's own."""

import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    """The README's fenced blocks of ``language`` ("" for the plain ones), fence by fence."""
    blocks, current, open_as = [], [], None
    for line in README.splitlines():
        if line.startswith("```"):
            if open_as is None:
                open_as, current = line[3:].strip(), []
            else:
                if open_as == language:
                    blocks.append("\n".join(current))
                open_as = None
        elif open_as is not None:
            current.append(line)
    return blocks


def _commands():
    return re.findall(r"```bash\n(.+?)\n```", README)


def test_ci_runs_the_readme_test_command():
    commands = _commands()
    test_cmd = next(c for c in commands if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd in ci.splitlines()


def test_readme_start_command_runs_main():
    assert any(c.endswith("main.py") for c in _commands())


def _readme_keys() -> list[str]:
    table = README.split("| key | does |", 1)[1].split("\n\n", 1)[0]
    keys = []
    for row in table.splitlines()[2:]:
        keys += [k.strip() for k in row.split("|")[1].split(",")]
    return keys


def test_every_key_in_the_readme_is_a_shortcut_of_the_window(window):
    bound = {s.toString() for a in window.findChildren(QAction) for s in a.shortcuts()}
    keys = _readme_keys()
    assert {"Space", "Right", "Ctrl+Q"} <= set(keys)
    for key in keys:
        assert QKeySequence(key).toString() in bound, key


def test_every_menu_the_readme_names_is_in_the_window(window):
    menus = {a.text().replace("&", "") for a in window.menuBar().actions()}
    listed = README.split("The menus:\n", 1)[1].split("\n\n", 1)[0]
    named = re.findall(r"^- \*\*(\w+)\*\*: ", listed, re.M)
    assert named == ["File", "Lessons", "View"]
    for menu in named:
        assert menu in menus, menu


def test_the_readme_python_example_runs():
    (code,) = _blocks("python")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=120)
    assert "m_100 = β1 × m_99 + (1 − β1) × g" in out.stdout


def test_the_readme_cli_commands_and_config_run(tmp_path):
    block = next(b for b in _blocks("") if "gdplay list" in b)
    config = next(b for b in _blocks("") if b.startswith('{"problem"'))
    (tmp_path / "run.json").write_text(config, encoding="utf-8")
    for line in block.replace("\\\n", " ").splitlines():
        args = line.split()[3:]  # after "python3 -m gdplay"
        if "--steps" in args:
            args[args.index("--steps") + 1] = "5"
        out = subprocess.run([sys.executable, "-m", "gdplay", *args], capture_output=True,
                             text=True, cwd=tmp_path, timeout=120)
        assert out.returncode == 0, (line, out.stderr)
    assert (tmp_path / "run.csv").read_text().startswith("lane,optimizer,step,loss,grad_norm,p0,p1\n")
    out = subprocess.run([sys.executable, "-m", "gdplay", "rnu"], capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 2 and "run, list" in out.stderr
