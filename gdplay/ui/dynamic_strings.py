"""Strings Qt Linguist cannot find by itself: names that come from the engine's
registries at run time. tests/test_i18n.py keeps this list complete."""

from PySide6.QtCore import QT_TRANSLATE_NOOP

PROBLEM_TITLES = (
    QT_TRANSLATE_NOOP("Problem", 'Convex parabola'),
    QT_TRANSLATE_NOOP("Problem", 'Chain rule: (x^2 + 3)^2'),
    QT_TRANSLATE_NOOP("Problem", 'Non-convex quartic (two minima)'),
    QT_TRANSLATE_NOOP("Problem", 'Ill-conditioned quadratic'),
    QT_TRANSLATE_NOOP("Problem", 'Ill-conditioned quadratic, rotated 45 degrees'),
    QT_TRANSLATE_NOOP("Problem", 'Rosenbrock'),
    QT_TRANSLATE_NOOP("Problem", 'Beale'),
    QT_TRANSLATE_NOOP("Problem", 'Himmelblau'),
    QT_TRANSLATE_NOOP("Problem", 'Rastrigin'),
    QT_TRANSLATE_NOOP("Problem", 'Booth'),
    QT_TRANSLATE_NOOP("Problem", 'Six-hump camel'),
    QT_TRANSLATE_NOOP("Problem", 'Saddle'),
    QT_TRANSLATE_NOOP("Problem", "Reddi's counterexample (Adam fails)"),
    QT_TRANSLATE_NOOP("Problem", 'Your own function'),
    QT_TRANSLATE_NOOP("Problem", "The seed's two-layer network"),
)

SCHEDULE_NAMES = (
    QT_TRANSLATE_NOOP("Schedule", 'constant'),
    QT_TRANSLATE_NOOP("Schedule", 'step'),
    QT_TRANSLATE_NOOP("Schedule", 'exponential'),
    QT_TRANSLATE_NOOP("Schedule", 'cosine'),
    QT_TRANSLATE_NOOP("Schedule", 'warmup'),
)
