"""The banner a breakpoint hit shows above the plots: which lane, which step, what tripped
it, until dismissed (the status bar's message is gone at the next frame)."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from ..engine.explain import fmt

__all__ = ["BreakpointBanner"]


class BreakpointBanner(QFrame):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("breakpoint_banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # a colour of the palette's that reads on light and dark themes alike
        self.setStyleSheet("#breakpoint_banner { background: #E69F00; color: #000000; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        self.text = QLabel(self)
        self.text.setObjectName("breakpoint_text")
        self.text.setWordWrap(True)
        row.addWidget(self.text, 1)
        dismiss = QPushButton(self.tr("Dismiss"), self)
        dismiss.setObjectName("breakpoint_dismiss")
        dismiss.clicked.connect(self.hide)
        row.addWidget(dismiss)
        self.hide()

    def show_hits(self, hits) -> None:
        """One line per hit (engine BreakpointHit): lane, step, condition, values."""
        self.text.setText("\n".join(self._line(hit) for hit in hits))
        self.show()

    def _line(self, hit) -> str:
        b = hit.breakpoint
        value = fmt(b.value) if b.value is not None and math.isfinite(b.value) else ""
        what = {
            "loss_up": self.tr("the loss went up"),
            "grad_norm_above": self.tr("the gradient norm rose above %1"),
            "non_finite": self.tr("a value became non-finite or left the bound"),
            "loss_below": self.tr("the loss fell below %1"),
            "step": self.tr("step %1 was reached"),
            "admm_converged": self.tr("the ADMM residuals are within tolerance"),
        }[b.kind].replace("%1", value)
        line = (self.tr("Breakpoint on %1 at step %2: %3")
                .replace("%1", hit.lane).replace("%2", str(hit.step)).replace("%3", what))
        if hit.values is not None:
            line += self.tr(" (%1 → %2)").replace("%1", fmt(hit.values[0])).replace(
                "%2", fmt(hit.values[1]))
        return line
