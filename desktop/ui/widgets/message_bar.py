"""The one message bar: one sentence, the fix button for an engine action, a close.

Why one bar for every page: errors must say what happened and what to do in one sentence,
with a button when there is one obvious fix (DESIGN §1a), and must not block the window the
way a message box does (style.md §5.3). The engine already words every failure as one
sentence plus an ``action`` ("add_token", "open_providers", "retry", "other_provider"); the
bar names the button from :data:`FIX_LABELS` and emits :attr:`MessageBar.action_requested`,
and :func:`desktop.ui.errors.connect_fixes` decides what each action does, the same way on
every page. Colours are a tint of the palette, so the bar reads well in light and dark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from desktop.ui.theme import mix
from desktop.ui.widgets.routing_words import ACTION_LABELS

ERROR = "error"
INFO = "info"

COPY_DETAILS = "copy_details"
"""The action of an unexpected problem: copy its details (for a bug report)."""

FIX_LABELS: dict[str, str] = {**ACTION_LABELS, COPY_DETAILS: "Copy details"}
"""The button offered for each action (one mapping for every page)."""

_TINTS = {ERROR: QColor("#d64545"), INFO: QColor("#3d7dd8")}


class MessageBar(QFrame):
    """Shows one message at a time; hidden when there is none.

    A closable bar hides itself when its button is used; a fixed one (``closable=False``,
    e.g. the marker of a failed answer inside a chat message) keeps saying what happened.

    Signals:
        action_requested(str): the fix button was pressed; the argument is the action.

    Attributes:
        text_label, action_button, close_button: the parts (public for tests).
    """

    action_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, closable: bool = True) -> None:
        super().__init__(parent)
        self._kind = INFO
        self._closable = closable
        self._action: str | None = None
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
        self._choice_row = QHBoxLayout()
        self._choice_row.setSpacing(6)
        layout.addLayout(self._choice_row)
        self.choice_buttons: list[QPushButton] = []
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

    # --- Public API -----------------------------------------------------------------------

    def show_error(self, text: str, action: str | None = None, *, label: str = "") -> None:
        """Show ``text`` as a problem; offer the button for ``action`` when it has a label."""
        self._show(text, ERROR, action, label)

    def show_info(self, text: str, action: str | None = None, *, label: str = "") -> None:
        """A neutral note ("Stopped — nothing was saved."), optionally with a button.

        ``label`` overrides the button's usual words (a stopped answer offers "Retry")."""
        self._show(text, INFO, action, label)

    def show_choices(
        self,
        text: str,
        choices: Sequence[tuple[str, Callable[[], None]]],
        *,
        kind: str = ERROR,
    ) -> None:
        """``text`` with one button per choice (e.g. close matches of a misspelt model id and
        "Browse image models"); a button clears the bar, then does its choice."""
        self._show(text, kind, None, "")
        for label, choice in choices:
            button = QPushButton(label, self)
            button.clicked.connect(lambda _checked=False, c=choice: self._on_choice(c))
            self._choice_row.addWidget(button)
            self.choice_buttons.append(button)

    def clear(self) -> None:
        """Hide the bar."""
        self._action = None
        self._drop_choices()
        self.hide()

    @property
    def kind(self) -> str:
        """:data:`ERROR` or :data:`INFO`: how the message is tinted."""
        return self._kind

    @property
    def action(self) -> str | None:
        """The action the button would request, if a button is shown."""
        return self._action

    # --- Internals ------------------------------------------------------------------------

    def _drop_choices(self) -> None:
        for button in self.choice_buttons:
            button.hide()
            button.deleteLater()
        self.choice_buttons.clear()

    def _on_choice(self, choice: Callable[[], None]) -> None:
        if self._closable:
            self.clear()
        choice()

    def _show(self, text: str, kind: str, action: str | None, label: str) -> None:
        self._drop_choices()
        label = label or FIX_LABELS.get(action or "", "")
        self._kind = kind
        self._action = action if label else None
        self.text_label.setText(text)
        self.action_button.setText(label)
        self.action_button.setVisible(bool(label))
        self.show()
        self.update()

    def _on_action_clicked(self) -> None:
        action = self._action
        if self._closable:  # a fixed bar (inside a message) keeps saying what happened
            self.clear()
        if action:
            self.action_requested.emit(action)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = self.palette().color(QPalette.ColorRole.Base)
        tint = _TINTS.get(self._kind, _TINTS[INFO])
        painter.setBrush(mix(base, tint, 0.18))
        painter.setPen(mix(base, tint, 0.55))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        painter.end()
