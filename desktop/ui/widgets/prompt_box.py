"""A multi-line prompt box where Ctrl+Enter runs and Enter makes a new line.

Why its own widget: prompts for pictures and videos are often several sentences, so Enter
must not start an expensive request by accident; Ctrl+Enter does (DESIGN §1a keyboard). The
box claims Ctrl+Enter before window shortcuts see it (``ShortcutOverride``), so it works in any
tab whatever the main window binds. It grows with its text between ``min_lines`` and
``max_lines``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QSizePolicy, QWidget


def _is_submit(event: QKeyEvent) -> bool:
    return bool(
        event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        and event.modifiers() & Qt.KeyboardModifier.ControlModifier
    )


class PromptBox(QPlainTextEdit):
    """Signals:
    submitted(): Ctrl+Enter was pressed.
    """

    submitted = Signal()

    def __init__(
        self,
        placeholder: str = "",
        parent: QWidget | None = None,
        *,
        min_lines: int = 3,
        max_lines: int = 8,
    ) -> None:
        super().__init__(parent)
        self._min_lines = min_lines
        self._max_lines = max_lines
        self.setPlaceholderText(placeholder)
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def text(self) -> str:
        return self.toPlainText().strip()

    def event(self, event: QEvent) -> bool:
        override = event.type() == QEvent.Type.ShortcutOverride
        if override and isinstance(event, QKeyEvent) and _is_submit(event):
            event.accept()  # ours, not the window's shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _is_submit(event):
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def _fit(self) -> None:
        line = self.fontMetrics().lineSpacing()
        lines = max(self._min_lines, min(self._max_lines, self.document().lineCount()))
        margins = self.contentsMargins()
        frame = int(self.document().documentMargin() * 2) + margins.top() + margins.bottom()
        self.setFixedHeight(lines * line + frame + 2)
