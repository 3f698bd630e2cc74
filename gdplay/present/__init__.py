"""Between the engine and the pictures, without Qt: the values the views draw, the
commands the window sends, and the Presenter that turns a Session into both.

Data flow: window -> commands -> worker (gdplay/ui/worker.py, Qt plumbing) -> Presenter
-> Session (gdplay/engine) -> Snapshot / LandscapeData / Inspection -> views.
"""

from .commands import (Autosave, CheckGradient, Configure, ContinueFrom, Fork, Inspect, Load,
                       Pause, Reset, Restore, Run, Save, SetBreakpoints, SetColor, SetEnabled,
                       SetHparams, SetSlice, SetSpeed, SetStart, Shutdown, Step, Toggle)
from .presenter import Failed, Presenter, Refused
from .snapshots import Inspection, LandscapeData, LaneSnapshot, Snapshot

__all__ = ["Presenter", "Refused", "Failed", "Snapshot", "LaneSnapshot",
           "LandscapeData", "Inspection", "Configure", "Run", "Pause", "Toggle", "Step",
           "Reset", "SetSpeed", "SetHparams", "SetEnabled", "SetColor", "SetStart", "SetSlice", "Inspect",
           "ContinueFrom", "Fork", "SetBreakpoints", "CheckGradient", "Save", "Load",
           "Restore", "Autosave", "Shutdown"]
