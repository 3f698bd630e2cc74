"""The wheel installs into a fresh virtual environment and passes its own self-test there,
with every resource (lessons, translations) found inside the installed package."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_installs_and_passes_its_self_test(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels),
                            str(ROOT)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next(wheels.glob("gdplay-*.whl"))
    venv = tmp_path / "venv"
    # the dependencies (PySide6, pyqtgraph, numpy) come from this interpreter's site-packages
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    install = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--no-deps",
                              str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    where = subprocess.run([str(bin_dir / "python"), "-c", "import gdplay; print(gdplay.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env, check=True)
    assert str(venv) in where.stdout  # the installed copy, not this checkout
    test = subprocess.run([str(bin_dir / "gdplay"), "--self-test"], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert test.returncode == 0, test.stdout[-3000:] + test.stderr[-3000:]
    assert "self-test: passed" in test.stdout
    assert "ok   lesson 12b_full_batch" in test.stdout and "ok   Traditional Chinese" in test.stdout
    module = subprocess.run([str(bin_dir / "python"), "-m", "gdplay", "--self-test"],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert module.returncode == 0, module.stdout[-3000:]


def test_every_package_is_in_the_wheel():
    # a package left out of pyproject's list is missing from the installed app (and only
    # the slow wheel test above would see it)
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "gdplay").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
