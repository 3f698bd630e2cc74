"""The user's settings (QSettings), read defensively: a value of the wrong type, damaged or
written by hand, falls back to its default instead of stopping the app at start."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

__all__ = ["read_bool", "read_bytes", "read_str", "read_str_list", "data_folder",
           "set_data_folder", "autosave_path"]

MAX_TEXT = 4096  # a path or a code: longer is damage


def _raw(key: str):
    try:
        return QSettings().value(key)
    except Exception:  # noqa: BLE001 - a value Qt cannot turn into Python is damage too
        return None


def read_bytes(key: str) -> QByteArray | None:
    """Saved window geometry or state; None unless it is bytes."""
    value = _raw(key)
    if isinstance(value, (QByteArray, bytes, bytearray)):
        return QByteArray(value)
    return None


def read_bool(key: str, default: bool) -> bool:
    value = _raw(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


def read_str(key: str, default: str | None = None) -> str | None:
    value = _raw(key)
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    return default


def read_str_list(key: str, limit: int) -> list[str]:
    """A list of strings (one string alone is a list of one); anything else is dropped."""
    value = _raw(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and 0 < len(v) <= MAX_TEXT][:limit]


_data_folder: Path | None = None


def set_data_folder(path: str | Path | None) -> None:
    """Use ``path`` instead of the user's data folder (the self-test writes nothing of
    the user's); None: the user's again."""
    global _data_folder
    _data_folder = Path(path) if path is not None else None


def data_folder() -> Path:
    """The user's data folder for gdplay (crash logs, the autosave)."""
    if _data_folder is not None:
        return _data_folder
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".gdplay")


def autosave_path() -> Path:
    return data_folder() / "autosave.gdplay"
