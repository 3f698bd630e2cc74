"""Guards against a known-bad Qt binding: PySide6 6.12.0 crashes after ~1000
``processEvents()`` calls (it releases None once per call). pyproject excludes it."""

import subprocess
import sys

CODE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv)
label = QLabel("x")
label.show()
for _ in range(5000):
    app.processEvents()
print("alive")
"""


def test_process_events_does_not_corrupt_the_interpreter():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "alive"
