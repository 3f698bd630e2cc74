"""Where gdplay's resources (lessons, translations, icons) are: inside the installed
package (a wheel maps the top-level resources/ folder to gdplay/_resources), in a
PyInstaller bundle, or in a source checkout."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resources_dir"]


def resources_dir() -> Path:
    here = Path(__file__).resolve().parent
    candidates = [
        here / "_resources",                                        # installed from a wheel
        Path(getattr(sys, "_MEIPASS", "")) / "resources" if hasattr(sys, "_MEIPASS") else None,
        here.parent / "resources",                                  # a source checkout
    ]
    for path in candidates:
        if path is not None and (path / "lessons").is_dir():
            return path
    return here.parent / "resources"
