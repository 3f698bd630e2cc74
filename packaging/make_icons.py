"""Render resources/icons/gdplay.svg to the PNG, ICO and ICNS files the platforms need.

    python3 packaging/make_icons.py
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def render(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(ICONS / "gdplay.svg")).render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for size in (16, 32, 48, 64, 128, 256, 512):
        render(size).save(str(ICONS / f"gdplay-{size}.png"))
    ok = render(256).save(str(ICONS / "gdplay.ico")) and render(512).save(str(ICONS / "gdplay.icns"))
    del app
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
