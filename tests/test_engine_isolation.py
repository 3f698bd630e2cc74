"""The engine is pure NumPy: importing it must not pull in Qt."""

import subprocess
import sys


def test_engine_imports_no_qt():
    code = (
        "import sys, gdplay.engine, gdplay.engine.landscape, gdplay.engine.network\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'PyQt5', 'PyQt6', 'pyqtgraph'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
