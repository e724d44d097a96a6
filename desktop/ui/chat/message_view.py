"""The scrolling column of message widgets, with honest auto-scroll and paging.

Why: auto-scroll must follow a streaming answer only while the user is at the bottom; anyone
who scrolled up to read keeps their place (style.md §3.2, item 4). Only the newest
:data:`PAGE` messages are built at first; older ones appear on request, so opening a very
long conversation stays fast.
"""

from __future__ import annotations

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

PAGE = 60
COLUMN_WIDTH = 860
BOTTOM_SLACK = 24


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
        self._earlier.hide()
        self._stick = True

    def set_messages(self, messages: list[MessageData]) -> None:
        """Show ``messages`` (the newest page now, older ones on request) at the bottom."""
        self.clear()
        visible = messages[-PAGE:]
        self._hidden = messages[: len(messages) - len(visible)]
        self._earlier.setVisible(bool(self._hidden))
        for data in visible:
            self._insert(len(self._widgets), data)
        self.refresh_actions()
        self.scroll_to_bottom()

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
        return not self._widgets and not self._hidden

    def scroll_to_bottom(self) -> None:
        self._stick = True
        QTimer.singleShot(0, self._follow)

    def reveal(self, message_id: int) -> bool:
        """Scroll to a message (loading older pages if needed) and highlight it."""
        while self.widget_for(message_id) is None and self._hidden:
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
        self.message_added.emit(widget)
        return widget

    def _show_earlier(self) -> None:
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
