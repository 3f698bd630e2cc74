"""A damaged settings file never stops the app: each bad value falls back to its default."""

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from gdplay.ui import prefs
from gdplay.ui.main_window import MainWindow

GOOD = (b"[files]\nrecent=/tmp/a.gdplay, /tmp/b.gdplay\n\n[view]\ndark=false\nlanguage=en\n\n"
        b"[window]\ngeometry=@ByteArray(\\x1\\xd9\\xd0\\xcb\\0\\x3\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"
        b"\\0\\0\\x5{\\0\\0\\x3\\xb9)\nstate=@ByteArray(\\0\\0\\0\\xff\\0\\0\\0\\0\\xfd\\0\\0\\0"
        b"\\x2\\0\\0\\0\\x1)\n")

DAMAGED = {
    **{f"truncated at {p}%": GOOD[: len(GOOD) * p // 100] for p in (10, 30, 50, 70, 90)},
    "recent is a point": GOOD.replace(b"recent=/tmp/a.gdplay, /tmp/b.gdplay",
                                      b"recent=@Point(1 2)"),
    "language is a list": GOOD.replace(b"language=en", b"language=a, b"),
    "dark is a size": GOOD.replace(b"dark=false", b"dark=@Size(1 2)"),
    "geometry is text": GOOD.replace(b"geometry=@ByteArray(", b"geometry=hello(")
                            .replace(b"state=@ByteArray(", b"state=@Point(1 2)("),
    "binary junk": bytes(range(256)) * 4,
}


@pytest.fixture
def settings_file():
    path = Path(QSettings().fileName())
    before = path.read_bytes() if path.exists() else None
    yield path
    if before is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(before)
    QSettings().sync()


@pytest.mark.parametrize("name", DAMAGED)
def test_a_damaged_settings_file_falls_back_to_defaults(qtbot, settings_file, name):
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_bytes(DAMAGED[name])
    w = MainWindow()  # raised TypeError at start for 7 of these 10
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=10_000)
    assert w.language in ("en", "zh_TW")
    assert all(isinstance(p, str) for p in prefs.read_str_list("files/recent", 8))
    w.shutdown()


def test_good_settings_are_read(settings_file):
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_bytes(GOOD)
    assert prefs.read_str_list("files/recent", 8) == ["/tmp/a.gdplay", "/tmp/b.gdplay"]
    assert prefs.read_bool("view/dark", True) is False
    assert prefs.read_str("view/language") == "en"
    assert prefs.read_bytes("window/geometry") is not None
