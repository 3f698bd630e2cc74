"""Ready lessons: JSON files in resources/lessons, each a full setting plus a title and an
explanation in English and Traditional Chinese. Loading checks every field; a damaged
lesson is reported, never applied. No Qt here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .engine.problems import make_problem
from .resources import resources_dir
from .engine.session import LaneConfig, Session
from .settings import SettingsError, expect, parse_run_settings, read_json

__all__ = ["Lesson", "LANGUAGES", "lessons_dir", "load_lesson", "load_lessons", "FORMAT"]

FORMAT = 1
LANGUAGES = ("en", "zh_TW")
MAX_LESSON_BYTES = 200_000
_LESSON_FIELDS = ("format", "id", "title", "explanation", "speed", "view")


def lessons_dir() -> Path:
    return resources_dir() / "lessons"


@dataclass(frozen=True)
class Lesson:
    id: str
    title: dict
    explanation: dict
    problem: str
    options: dict
    lanes: tuple[LaneConfig, ...]
    start: tuple[float, ...] | None = None
    speed: float = 10.0
    view: dict = field(default_factory=dict)

    def text(self, what: str, language: str) -> str:
        """The title or explanation in ``language`` (English when it has none)."""
        texts = getattr(self, what)
        return texts.get(language) or texts["en"]


def _texts(data, name: str, where: str) -> dict:
    texts = expect(data.get(name), dict, name, where)
    for language in LANGUAGES:
        value = texts.get(language)
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"{where}: {name}.{language} must be a non-empty text")
    return dict(texts)


def load_lesson(path: str | Path) -> Lesson:
    """Read and check one lesson; SettingsError naming the field otherwise."""
    where = f"lesson {Path(path).name}"
    data = read_json(path, MAX_LESSON_BYTES, "lesson")
    expect(data, dict, "the top level", where)
    if data.get("format") != FORMAT:
        raise SettingsError(f"{where}: format must be {FORMAT}, got {data.get('format')!r}")
    run = parse_run_settings(data, where, _LESSON_FIELDS)
    for required in ("problem", "lanes"):
        if required not in run:
            raise SettingsError(f"{where}: {required} is missing")
    speed = expect(data.get("speed", 10), (int, float), "speed", where)
    if speed < 0:
        raise SettingsError(f"{where}: speed must be >= 0 (0: as fast as possible)")
    view = expect(data.get("view", {}), dict, "view", where)
    try:  # the whole setting must make a session
        Session(make_problem(run["problem"], **run.get("options", {})), list(run["lanes"]),
                run.get("start"))
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{where}: {exc}") from None
    start = tuple(float(x) for x in run["start"]) if "start" in run else None
    return Lesson(expect(data.get("id"), str, "id", where), _texts(data, "title", where),
                  _texts(data, "explanation", where), run["problem"], dict(run.get("options", {})),
                  tuple(run["lanes"]), start, float(speed), dict(view))


def load_lessons(folder: Path | None = None) -> tuple[list[Lesson], list[str]]:
    """Every lesson in ``folder`` in file-name order, and the errors of those that failed."""
    folder = folder or lessons_dir()
    lessons, errors = [], []
    for path in sorted(folder.glob("*.json")):
        try:
            lessons.append(load_lesson(path))
        except SettingsError as exc:
            errors.append(str(exc))
    return lessons, errors
