"""StepTrace: what one optimizer step did, value by value."""

from __future__ import annotations

import numpy as np

__all__ = ["StepTrace"]


# derived values shown where the update does them, not with the others before delta:
# AdamW's decay is the step's first change to the parameters
_DERIVED_AFTER = {"decay": "p_before"}


class StepTrace:
    """What one step did: its counter ``t`` (1-based), the learning rate used, and every
    named intermediate in the order the update computed them (``values``).

    ``values`` always holds ``g`` (the gradient given), ``p_before``, ``delta`` and
    ``p_after``; the rest depends on the optimizer (its ``trace_names`` lists them).
    ``notes`` are short remarks the inspector shows (e.g. which convention AdamW follows).

    Values the update did not need but a reader wants (Adam's m_hat and v_hat, the
    effective learning rate, AdamW's decay) are worked out from the recorded ones the first
    time ``values`` is read, and placed just before ``delta`` (or where ``_DERIVED_AFTER``
    says): a run traces every step, and most traces are never looked at.
    """

    __slots__ = ("optimizer", "t", "lr", "_values", "phase", "notes", "hparams", "_derive",
                 "_parts")

    def __init__(self, optimizer: str, t: int, lr: float, values: dict | None = None,
                 phase: str = "", notes: tuple[str, ...] = (), hparams: dict | None = None,
                 derive=None, parts: tuple | None = None):
        self.optimizer = optimizer
        self.t = t
        self.lr = lr
        self._values = values  # None until read: most traces never are
        self.phase = phase
        self.notes = notes
        self.hparams = {} if hparams is None else hparams
        self._derive = derive
        # a step on Python floats: (g, p_before, one kernel record per coordinate, the
        # step's scalars, p_after), made into arrays when first read
        self._parts = parts

    @staticmethod
    def from_raw(made: tuple) -> "StepTrace":
        """The trace of a step on floats from what :meth:`Optimizer.step_floats` gives
        with ``raw``: (optimizer, t, lr, notes, hparams, derive, parts)."""
        name, t, lr, notes, hparams, derive, parts = made
        return StepTrace(name, t, lr, None, "", notes, hparams, derive, parts)

    @property
    def values(self) -> dict[str, object]:
        if self._parts is not None:
            g, before, recs, scalars, after = self._parts
            self._parts = None
            values = {"g": np.array(g), "p_before": np.array(before)}
            for key in recs[0]:
                if key != "delta":
                    values[key] = _column(recs, key)
            values.update(scalars)
            values["delta"] = _column(recs, "delta")
            values["p_after"] = np.array(after)
            self._values = values
        elif self._values is None:
            self._values = {}
        if self._derive is not None:
            derive, self._derive = self._derive, None
            extra = derive(self)
            if extra:
                placed = {_DERIVED_AFTER[k]: k for k in extra if k in _DERIVED_AFTER}
                ordered: dict[str, object] = {}
                for key, value in self._values.items():
                    if key == "delta":
                        ordered.update((k, x) for k, x in extra.items() if k not in _DERIVED_AFTER)
                    ordered[key] = value
                    if key in placed:
                        ordered[placed[key]] = extra[placed[key]]
                self._values = ordered
        return self._values

    def __getitem__(self, key: str):
        return self.values[key]

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def __repr__(self) -> str:
        return f"StepTrace({self.optimizer!r}, t={self.t}, lr={self.lr!r}, keys={list(self.values)})"


def _column(recs: list[dict], key: str) -> np.ndarray | None:
    """One traced value across the coordinates, as an array (None stays None)."""
    if recs[0][key] is None:
        return None
    return np.array([rec[key] for rec in recs], dtype=np.float64)
