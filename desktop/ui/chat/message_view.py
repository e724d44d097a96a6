"""The scrolling column of message widgets, with honest auto-scroll and paging.

Why: auto-scroll must follow a streaming answer only while the user is at the bottom; anyone
who scrolled up to read keeps their place (style.md §3.2, item 4). Only the newest
:data:`PAGE` messages are built at all; older ones appear on request. Even those are built in
slices (issue 8): the newest messages first, within 20 ms, then the rest of the
page a slice per turn of the event loop, so opening a 2,000-message conversation shows its
end at once and never freezes the window.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.chat.message_data import MessageData
from desktop.ui.chat.message_widget import MessageWidget
from desktop.ui.widgets import tab_order

PAGE = 60
COLUMN_WIDTH = 860
BOTTOM_SLACK = 24
FIRST_SLICE_S = 0.02
"""Time spent building the newest messages before the window may paint them."""
SLICE_S = 0.01
"""Time per later slice: the loop (input, paint, streaming) runs between slices."""


def _dispose(widget: QWidget) -> None:
    """Hide now, delete when control is back in the loop (never under a running slot)."""
    widget.hide()
    widget.deleteLater()


class MessageView(QScrollArea):
    """Shows a conversation as one :class:`MessageWidget` per message.

    Signals:
        message_added(MessageWidget): a widget was created (the page wires its signals and
            loads thumbnails).
    """

    message_added = Signal(MessageWidget)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        canvas = QWidget(self)
        canvas.setAutoFillBackground(False)
        outer = QHBoxLayout(canvas)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.addStretch(1)
        self._column = QWidget(canvas)
        self._column.setMaximumWidth(COLUMN_WIDTH)
        self._layout = QVBoxLayout(self._column)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(14)
        self._earlier = QPushButton("Show earlier messages", self._column)
        self._earlier.setFlat(True)
        self._earlier.clicked.connect(self._on_earlier_clicked)
        self._earlier.hide()
        self._layout.addWidget(self._earlier, 0, Qt.AlignmentFlag.AlignHCenter)
        self._layout.addStretch(1)
        outer.addWidget(self._column, 100)
        outer.addStretch(1)
        self.setWidget(canvas)
        self.viewport().setAutoFillBackground(False)

        self._widgets: list[MessageWidget] = []
        self._hidden: list[MessageData] = []
        self._pending: list[MessageData] = []  # of the page, still to build (older first)
        self._filler = QTimer(self)
        self._filler.setSingleShot(True)
        self._filler.setInterval(0)
        self._filler.timeout.connect(self._build_slice)
        self._stick = True
        self._busy = False
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)

    # --- Public API -----------------------------------------------------------------------

    def widgets(self) -> list[MessageWidget]:
        """The message widgets shown, oldest first."""
        return list(self._widgets)

    def clear(self) -> None:
        """Remove every message."""
        for widget in self._widgets:
            _dispose(widget)
        self._widgets.clear()
        self._hidden.clear()
        self._pending.clear()
        self._filler.stop()
        self._earlier.hide()
        self._stick = True

    def set_messages(self, messages: list[MessageData]) -> None:
        """Show ``messages`` at the bottom: the newest at once, the rest of the page in slices
        while the loop runs, older pages on request."""
        self.clear()
        visible = messages[-PAGE:]
        self._hidden = messages[: len(messages) - len(visible)]
        self._pending = list(visible)
        self._build_newest(FIRST_SLICE_S)
        self.scroll_to_bottom()

    def loading(self) -> bool:
        """True while messages of the page are still being built."""
        return bool(self._pending)

    def append(self, data: MessageData) -> MessageWidget:
        """Add a message at the end (the view follows if the user was at the bottom)."""
        widget = self._insert(len(self._widgets), data)
        self.refresh_actions()
        return widget

    def widget_for(self, message_id: int) -> MessageWidget | None:
        for widget in self._widgets:
            if widget.message_id == message_id:
                return widget
        return None

    def truncate_from(self, message_id: int) -> None:
        """Remove message ``message_id`` and everything after it."""
        for index, widget in enumerate(self._widgets):
            if widget.message_id == message_id:
                for gone in self._widgets[index:]:
                    _dispose(gone)
                del self._widgets[index:]
                break
        self.refresh_actions()

    def refresh_actions(self) -> None:
        """Regenerate is offered on the last answer only; nothing starts while busy."""
        last = self._widgets[-1] if self._widgets else None
        for widget in self._widgets:
            widget.set_can_regenerate(widget is last and widget.data.role == "assistant")
            widget.set_busy(self._busy)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.refresh_actions()

    def is_empty(self) -> bool:
        return not self._widgets and not self._hidden and not self._pending

    def scroll_to_bottom(self) -> None:
        self._stick = True
        QTimer.singleShot(0, self._follow)

    def reveal(self, message_id: int) -> bool:
        """Scroll to a message (loading older pages if needed) and highlight it."""
        while self.widget_for(message_id) is None and (self._pending or self._hidden):
            self._show_earlier()
        widget = self.widget_for(message_id)
        if widget is None:
            return False
        self._stick = False
        QTimer.singleShot(0, lambda: self.ensureWidgetVisible(widget, 0, 40))
        widget.flash()
        return True

    # --- Internals ------------------------------------------------------------------------

    def _insert(self, index: int, data: MessageData) -> MessageWidget:
        widget = MessageWidget(data, self._column)
        # +1: the "earlier" button sits first in the layout.
        self._layout.insertWidget(index + 1, widget)
        self._widgets.insert(index, widget)
        # Tab reaches it where it sits (a new widget would come last, after "Send"): after
        # the message above it, or after the view itself for the first one.
        above = self._widgets[index - 1].tab_stops if index else []
        widget.tab_stops = tab_order.stops(widget)
        tab_order.follow(above[-1] if above else self, *widget.tab_stops)
        self.message_added.emit(widget)
        return widget

    def _build_newest(self, budget_s: float) -> None:
        """Build pending messages, newest first, for ``budget_s`` (at least one)."""
        deadline = time.perf_counter() + budget_s
        built = False
        while self._pending and (not built or time.perf_counter() < deadline):
            self._insert(0, self._pending.pop())
            built = True
        self._earlier.setVisible(bool(self._hidden) and not self._pending)
        self.refresh_actions()
        if self._pending:
            self._filler.start()

    def _build_slice(self) -> None:
        """One later slice, keeping what the reader sees in place."""
        bar = self.verticalScrollBar()
        from_bottom = bar.maximum() - bar.value()
        self._build_newest(SLICE_S)
        if not self._stick:
            QTimer.singleShot(0, lambda: bar.setValue(bar.maximum() - from_bottom))

    def _show_earlier(self) -> None:
        if self._pending:  # the page first, all of it, then an older page
            self._filler.stop()
            self._build_newest(float("inf"))
            return
        chunk = self._hidden[-PAGE:]
        self._hidden = self._hidden[: len(self._hidden) - len(chunk)]
        for offset, data in enumerate(chunk):
            self._insert(offset, data)
        self._earlier.setVisible(bool(self._hidden))
        self.refresh_actions()

    def _on_earlier_clicked(self) -> None:
        bar = self.verticalScrollBar()
        from_bottom = bar.maximum() - bar.value()
        self._stick = False
        self._show_earlier()
        # Keep the message the user was looking at in place.
        QTimer.singleShot(0, lambda: bar.setValue(bar.maximum() - from_bottom))

    def _on_scrolled(self, value: int) -> None:
        self._stick = value >= self.verticalScrollBar().maximum() - BOTTOM_SLACK

    def _on_range_changed(self, _minimum: int, _maximum: int) -> None:
        if self._stick:
            self._follow()

    def _follow(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
