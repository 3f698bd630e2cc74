"""Test setup: every test runs headless, whatever the environment says."""

import os

# Must be set before pytest-qt creates the QApplication.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
