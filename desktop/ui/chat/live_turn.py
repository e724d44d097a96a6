"""The bridge between a running chat turn and the widget that shows it.

Why a separate object: the engine may deliver a hundred deltas a second; the screen needs one
update per frame at most (style.md §3.2). Deltas are buffered and flushed by a ~33 ms timer
(30 updates a second: smooth to read, and each flush stays small).
The turn also outlives the widget when the user opens another conversation mid-answer: the
text keeps accumulating here and is handed to a fresh widget when they come back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer

from desktop.core.chat_types import Attachment
from desktop.core.table import provider_label
from desktop.core.trace import AttemptRecord, Outcome
from desktop.ui.chat.message_widget import MessageWidget
from desktop.ui.memory import trim_soon

if TYPE_CHECKING:
    from desktop.engine.conversations import Turn

FLUSH_MS = 33
LAYOUT_LEVELS = 5
"""Layouts between a message's text and the scroll area; each level's request is posted
while the one below is handled, so settling them takes one pass per level."""


class LiveTurn(QObject):
    """Implements the engine's ``TurnListener`` for one turn.

    Attributes:
        kind: "send", "regenerate" or "edit".
        model: the model asked.
        turn: ids of the stored messages, once the turn started.
        text: every delta received so far (flushed or not).
        user_text, attachments: the question as sent (shown when the turn starts).
        replaces: the message id the turn replaces (with everything after it), if any.
        origin: the conversation open when the turn began (None for a new chat).
    """

    def __init__(
        self,
        kind: str,
        model: str,
        on_started: Callable[[LiveTurn], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.model = model
        self.turn: Turn | None = None
        self.text = ""
        self.user_text = ""
        self.attachments: list[Attachment] = []
        self.replaces: int | None = None
        self.origin: int | None = None
        self._shown = 0
        self._on_started = on_started
        self._widget: MessageWidget | None = None
        self._attempt: AttemptRecord | None = None
        self._failures: list[AttemptRecord] = []
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        # While nothing has arrived, the wait is shown honestly: a clock ticks every second.
        self._started = time.monotonic()
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._show_progress)

    # --- TurnListener ---------------------------------------------------------------------

    def turn_started(self, turn: Turn) -> None:
        if self._closed:
            return
        self.turn = turn
        self._started = time.monotonic()
        self._clock.start()
        self._on_started(self)

    def attempt_changed(self, record: AttemptRecord) -> None:
        if self._closed:
            return
        if record.outcome == "":
            self._attempt = record
        elif record.outcome != Outcome.OK:
            self._failures.append(record)
            if record is self._attempt:
                self._attempt = None
        self._show_progress()

    def restarted(self, note: str) -> None:
        """The answer broke off and another provider starts over: its text *replaces* what
        was shown (never appended to it), and the widget says so."""
        if self._closed:
            return
        self._timer.stop()
        self.text = ""
        self._shown = 0
        if self._widget is not None:
            self._widget.replace_stream(note)

    def delta(self, text: str) -> None:
        if self._closed or not text:
            return
        self.text += text
        if not self._timer.isActive():
            self._timer.start()

    # --- For the chat page ----------------------------------------------------------------

    @property
    def widget(self) -> MessageWidget | None:
        return self._widget

    @property
    def closed(self) -> bool:
        return self._closed

    def attach(self, widget: MessageWidget) -> None:
        """Show this turn in ``widget`` (new, or rebuilt after switching conversations)."""
        self._widget = widget
        widget.begin_stream(self.text)
        self._shown = len(self.text)
        self._show_progress()

    def detach(self) -> None:
        """The widget is going away; keep collecting text without showing it."""
        self._widget = None

    def flush(self) -> None:
        """Push buffered text to the widget (one edit per timer tick)."""
        self._timer.stop()
        widget = self._widget
        if widget is None or self._shown >= len(self.text):
            return
        chunk = self.text[self._shown :]
        self._shown = len(self.text)
        if not widget.data.provider and self._attempt is not None:
            widget.set_live_provider(self._attempt.served_by or self._attempt.provider)
        widget.append_stream(chunk)
        # Settle the geometry now (text, message, column, canvas, scroll range) so the frame
        # is painted once, already following the new text; left to the loop, Qt paints the
        # old geometry, lays out, then paints everything again (two paints per flush).
        for _ in range(LAYOUT_LEVELS):
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)

    def close(self) -> None:
        """The turn is over (done, failed or stopped): flush and ignore any late callbacks."""
        self.flush()
        self._clock.stop()
        self._closed = True
        trim_soon()  # a long answer's discarded buffers go back to the system (issue 8)

    # --- Internals ------------------------------------------------------------------------

    def _show_progress(self) -> None:
        widget = self._widget
        if self.text:
            self._clock.stop()  # the answer is arriving: its text is the progress now
            return
        if widget is None:
            return
        attempt = self._attempt
        trying = (
            f"trying {provider_label(attempt.provider)}…"
            if attempt is not None
            else ("trying the next provider…" if self._failures else "choosing a provider…")
        )
        waited = int(time.monotonic() - self._started)
        clock = f" {waited} s" if waited >= 1 else ""
        if self._failures:
            widget.set_progress(f"{self._failures[-1].sentence()} — {trying}{clock}")
        else:
            widget.set_progress(trying[0].upper() + trying[1:] + clock)
