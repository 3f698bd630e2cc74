"""Ready lessons: JSON files in resources/lessons, each a full setting plus a title and an
explanation in English and Traditional Chinese. Loading checks every field; a damaged
lesson is reported, never applied. No Qt here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .resources import resources_dir
from .engine.session import LaneConfig
from .run_settings import RunSettings
from .settings import SettingsError, check_text, expect, read_json

__all__ = ["Lesson", "LANGUAGES", "lessons_dir", "load_lesson", "load_lessons", "FORMAT"]

FORMAT = 1
LANGUAGES = ("en", "zh_TW")
MAX_LESSON_BYTES = 200_000
# limits on a lesson's texts and settings (the lessons shipped use a fraction of each)
MAX_TITLE = 200            # characters, one line
MAX_EXPLANATION = 20_000   # characters, line breaks allowed
_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")  # it names the lesson's menu action
_LESSON_FIELDS = ("format", "id", "title", "explanation", "speed", "view")
_VIEW_FIELDS = {"log_scale": bool}


def lessons_dir() -> Path:
    return resources_dir() / "lessons"


@dataclass(frozen=True)
class Lesson:
    id: str
    title: dict
    explanation: dict
    settings: RunSettings   # problem, options, lanes, start and speed
    view: dict = field(default_factory=dict)

    @property
    def problem(self) -> str:
        return self.settings.problem

    @property
    def options(self) -> dict:
        return self.settings.options.thaw()

    @property
    def lanes(self) -> tuple[LaneConfig, ...]:
        """The lanes as the engine takes them (new objects at each call)."""
        return tuple(self.settings.lane_configs())

    @property
    def start(self) -> tuple[float, ...] | None:
        return self.settings.start

    @property
    def speed(self) -> float:
        return self.settings.speed

    def text(self, what: str, language: str) -> str:
        """The title or explanation in ``language`` (English when it has none)."""
        texts = getattr(self, what)
        return texts.get(language) or texts["en"]


def _texts(data, name: str, where: str, max_chars: int, multiline: bool) -> dict:
    texts = expect(data.get(name), dict, name, where)
    unknown = sorted(set(texts) - set(LANGUAGES))
    if unknown:
        raise SettingsError(f"{where}: {name} has unknown language {', '.join(map(repr, unknown))}"
                            f"; languages are: {', '.join(LANGUAGES)}")
    for language in LANGUAGES:
        value = texts.get(language)
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"{where}: {name}.{language} must be a non-empty text")
        check_text(value, f"{name}.{language}", where, max_chars, multiline=multiline)
    return dict(texts)


def _view(data, where: str) -> dict:
    view = expect(data.get("view", {}), dict, "view", where)
    for key, value in view.items():
        if key not in _VIEW_FIELDS:
            raise SettingsError(f"{where}: view has unknown field {key!r}; fields are: "
                                f"{', '.join(_VIEW_FIELDS)}")
        expect(value, _VIEW_FIELDS[key], f"view.{key}", where)
    return dict(view)


def load_lesson(path: str | Path) -> Lesson:
    """Read and check one lesson; SettingsError naming the file and the field otherwise."""
    where = f"lesson {Path(path).name}"
    data = read_json(path, MAX_LESSON_BYTES, "lesson")
    expect(data, dict, "the top level", where)
    version = data.get("format")
    if type(version) is not int or version != FORMAT:  # true == 1 in Python
        raise SettingsError(f"{where}: format must be {FORMAT}, got {version!r:.40}")
    settings = RunSettings.from_json(data, where, _LESSON_FIELDS)
    for required in ("problem", "lanes"):
        if required not in data:
            raise SettingsError(f"{where}: {required} is missing")
    if not settings.lanes:  # the controls need a lane to show: listed as damaged instead
        raise SettingsError(f"{where}: lanes is empty (a lesson needs at least one lane)")
    lesson_id = expect(data.get("id"), str, "id", where)
    if not _ID.match(lesson_id):
        raise SettingsError(f"{where}: id must be 1 to 64 letters, digits, '_', '.' or '-', "
                            f"got {lesson_id!r:.80}")
    title = _texts(data, "title", where, MAX_TITLE, multiline=False)
    explanation = _texts(data, "explanation", where, MAX_EXPLANATION, multiline=True)
    view = _view(data, where)
    # the whole setting, the speed included, must make a session
    settings = settings.replace(speed=data.get("speed", 10)).validate(where)
    return Lesson(lesson_id, title, explanation, settings, view)


def load_lessons(folder: Path | None = None) -> tuple[list[Lesson], list[str]]:
    """Every lesson in ``folder`` in file-name order, and the errors of those that failed.
    Never raises for what a file holds: a damaged lesson is listed, the others load."""
    folder = folder or lessons_dir()
    lessons, errors, ids = [], [], set()
    for path in sorted(folder.glob("*.json")):
        try:
            lesson = load_lesson(path)
        except SettingsError as exc:
            errors.append(str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - a bug here must not stop the app starting
            errors.append(f"lesson {path.name} could not be read ({type(exc).__name__}: {exc})")
            continue
        if lesson.id in ids:
            errors.append(f"lesson {path.name}: id {lesson.id!r} is the id of another lesson")
            continue
        ids.add(lesson.id)
        lessons.append(lesson)
    return lessons, errors
