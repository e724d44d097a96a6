"""The videos being made right now: status, queue position, elapsed time, and Cancel.

Why a card per job (DESIGN §1a, "waiting is honest"): a video can wait minutes in a
provider's queue; the card says where it is ("Waiting in line — position 3 · at fal"), how
long it has been (ticking every second, counted from when the provider accepted it, so a job
resumed after a restart shows its true age), and offers Cancel, which reaches the provider.
Jobs resumed at start-up get cards too, so nothing runs invisibly.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.media_types import JobProgress
from desktop.ui.video.status_words import status_text, where_text
from desktop.ui.widgets.labels import ElidedLabel, MutedLabel
from desktop.ui.widgets.routing_words import clock


class JobCard(QFrame):
    """One job. Signals:
    cancel_requested(): the card's Cancel was pressed.
    """

    cancel_requested = Signal()

    def __init__(
        self, prompt: str, parent: QWidget | None = None, *, elapsed_s: float = 0.0
    ) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.job_id: str | None = None
        self.status = "submitting"
        self.queue_position: int | None = None
        self._base = elapsed_s
        self._at = time.monotonic()
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(4)
        self.title = ElidedLabel(prompt, self)
        column.addWidget(self.title)
        line = QHBoxLayout()
        line.setSpacing(8)
        self.status_label = QLabel(status_text(JobProgress("submitting")), self)
        self.status_label.setAccessibleName("Job status")
        line.addWidget(self.status_label, 1)
        self.elapsed = MutedLabel(clock(elapsed_s), self)
        self.elapsed.setToolTip("Time since the request was sent")
        line.addWidget(self.elapsed)
        column.addLayout(line)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)  # moving, not filling: most providers say no percentage
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(6)
        bottom.addWidget(self.bar, 1)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Cancel the video at the provider")
        self.cancel_button.clicked.connect(self.cancel_requested)
        bottom.addWidget(self.cancel_button)
        column.addLayout(bottom)

    def update_progress(self, progress: JobProgress) -> None:
        self.status = progress.status
        self.queue_position = progress.queue_position
        if progress.job_id:
            self.job_id = progress.job_id
        self._base, self._at = progress.elapsed_s, time.monotonic()
        where = where_text(progress)
        text = status_text(progress)
        self.status_label.setText(f"{text} · {where}" if where else text)
        self.show_percent(progress.percent)
        self.tick()

    def show_percent(self, percent: float | None) -> None:
        """A filling bar only for a percentage the provider reported; otherwise a moving one
        (a bar full from the first second would say "almost done" when nothing is known)."""
        if percent is None:
            self.bar.setRange(0, 0)
            return
        self.bar.setRange(0, 100)
        self.bar.setValue(round(min(100.0, max(0.0, percent))))

    def set_cancelling(self) -> None:
        self.status_label.setText("Cancelling…")
        self.cancel_button.setEnabled(False)

    def status_line(self) -> str:
        return self.status_label.text()

    def tick(self) -> None:
        self.elapsed.setText(clock(self._base + time.monotonic() - self._at))


class JobsPanel(QWidget):
    """The cards, newest last; hidden when no job runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cards: list[JobCard] = []
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.heading = MutedLabel("Being made", self)
        column.addWidget(self.heading)
        self._column = column
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self.hide()

    def add(self, prompt: str, *, elapsed_s: float = 0.0) -> JobCard:
        card = JobCard(prompt, self, elapsed_s=elapsed_s)
        self._cards.append(card)
        self._column.addWidget(card)
        self._timer.start()
        self.show()
        return card

    def remove(self, card: JobCard) -> None:
        if card not in self._cards:
            return
        self._cards.remove(card)
        self._column.removeWidget(card)
        card.hide()
        card.deleteLater()
        if not self._cards:
            self._timer.stop()
            self.hide()

    def card_for(self, job_id: str) -> JobCard | None:
        return next((c for c in self._cards if c.job_id == job_id), None)

    def cards(self) -> list[JobCard]:
        return list(self._cards)

    def _tick(self) -> None:
        for card in self._cards:
            card.tick()
