"""A non-modal bar for recoverable problems: one sentence, an optional fix button, a close.

Why: errors must say what happened and what to do in one sentence, with a button when there
is one obvious fix (DESIGN §1a), and must not block the window the way a message box does
(style.md §5.3). Colours are a tint of the palette, so the bar reads well in light and dark.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from desktop.ui.theme import mix

ERROR = "error"
INFO = "info"

_TINTS = {ERROR: QColor("#d64545"), INFO: QColor("#3d7dd8")}


class MessageBar(QFrame):
    """Shows one message at a time; hidden when there is none.

    A closable bar hides itself when its button is used; a fixed one (``closable=False``,
    e.g. the marker of a failed answer) stays.

    Attributes:
        text_label: the sentence shown (public for tests).
    """

    def __init__(self, parent: QWidget | None = None, *, closable: bool = True) -> None:
        super().__init__(parent)
        self._kind = INFO
        self._closable = closable
        self._action: Callable[[], None] | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(8)
        self.text_label = QLabel(self)
        # Messages can quote a provider's error body: never read it as HTML (no markup, no
        # links, no <img src=file://…>).
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text_label, 1)
        self.action_button = QPushButton(self)
        self.action_button.clicked.connect(self._on_action_clicked)
        layout.addWidget(self.action_button)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.clear)
        self.close_button.setVisible(closable)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(
        self,
        text: str,
        *,
        kind: str = ERROR,
        action_label: str | None = None,
        action: Callable[[], None] | None = None,
    ) -> None:
        """Show ``text``; with ``action_label`` and ``action``, offer that fix as a button."""
        self._kind = kind
        self._action = action
        self.text_label.setText(text)
        self.action_button.setVisible(bool(action_label and action))
        self.action_button.setText(action_label or "")
        self.show()
        self.update()

    def clear(self) -> None:
        """Hide the bar."""
        self._action = None
        self.hide()

    @property
    def kind(self) -> str:
        return self._kind

    def _on_action_clicked(self) -> None:
        action = self._action
        if self._closable:  # a fixed bar (inside a message) keeps saying what happened
            self.clear()
        if action is not None:
            action()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = self.palette().color(QPalette.ColorRole.Base)
        tint = _TINTS.get(self._kind, _TINTS[INFO])
        painter.setBrush(mix(base, tint, 0.18))
        painter.setPen(mix(base, tint, 0.55))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        painter.end()
