"""Honest waiting for pictures: one line per picture with who is working on it and for how long.

Why per picture: each picture is its own routed request (``ImageService``), so with four
pictures one may already be done while another failed over to a second provider. The engine
reports attempts (``on_attempt``: the same record when it starts and when it ends), not which
picture they belong to; since one picture's attempts run one after another, an attempt that
starts takes the first picture that has none running — exact as far as anyone can see.
No percentage is shown: providers do not report one, and a made-up bar would lie.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from desktop.core.trace import AttemptRecord, Outcome
from desktop.ui.widgets.labels import ElidedLabel, MutedLabel
from desktop.ui.widgets.routing_words import clock, live_text


class _Row:
    def __init__(self, name: QLabel, status: ElidedLabel, elapsed: MutedLabel) -> None:
        self.name = name
        self.status = status
        self.elapsed = elapsed
        self.running: int | None = None  # id() of the attempt record in flight
        self.done_at: float | None = None


class PictureProgress(QWidget):
    """Hidden when idle; :meth:`start` shows one row per picture, ticking every second."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._slot_of: dict[int, int] = {}
        self._started = 0.0
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)  # busy: no provider reports a percentage
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(6)
        column.addWidget(self.bar)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(1, 1)
        column.addLayout(self._grid)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self.hide()

    # --- Public API -----------------------------------------------------------------------

    def start(self, count: int) -> None:
        self._clear_rows()
        self._started = time.monotonic()
        for i in range(count):
            name = QLabel(f"Picture {i + 1}" if count > 1 else "Picture", self)
            status = ElidedLabel("Waiting for a provider…", self)
            elapsed = MutedLabel("0:00", self)
            self._grid.addWidget(name, i, 0)
            self._grid.addWidget(status, i, 1)
            self._grid.addWidget(elapsed, i, 2)
            self._rows.append(_Row(name, status, elapsed))
        self._timer.start()
        self.show()

    def on_attempt(self, record: AttemptRecord) -> None:
        """An attempt started (outcome "") or ended: show it on its picture's line."""
        key = id(record)
        slot = self._slot_of.get(key)
        if slot is None:
            slot = next(
                (i for i, r in enumerate(self._rows) if r.running is None and r.done_at is None),
                None,
            )
            if slot is None:
                return
            self._slot_of[key] = slot
        row = self._rows[slot]
        row.status.set_full_text(live_text(record))
        if record.outcome == "":
            row.running = key
            return
        row.running = None
        if record.outcome == Outcome.OK:
            row.done_at = time.monotonic()
        self._tick()

    def finish(self) -> None:
        self._timer.stop()
        self._slot_of.clear()
        self._clear_rows()
        self.hide()

    def statuses(self) -> list[str]:
        """The lines as shown (for tests and accessibility)."""
        return [r.status.full_text() for r in self._rows]

    # --- Internals ------------------------------------------------------------------------

    def _tick(self) -> None:
        now = time.monotonic()
        for row in self._rows:
            row.elapsed.setText(clock((row.done_at or now) - self._started))

    def _clear_rows(self) -> None:
        for row in self._rows:
            for widget in (row.name, row.status, row.elapsed):
                self._grid.removeWidget(widget)
                widget.deleteLater()
        self._rows = []
