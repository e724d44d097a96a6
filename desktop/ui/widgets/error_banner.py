"""The error line of a task tab: one sentence and, when there is one obvious fix, its button.

Why a thin layer over :class:`MessageBar`: the engine already words every failure as one
sentence plus an ``error_action`` ("open_providers", "add_token", "retry", "other_provider");
each tab only has to decide what the action *does*. The banner names the button from
:data:`ACTION_LABELS` and emits :attr:`ErrorBanner.action_requested` with the action, so the
page connects one slot (typically: providers → its ``providers_requested`` signal, retry →
run again, other provider → open the policy picker).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from desktop.ui.widgets.message_bar import ERROR, INFO, MessageBar
from desktop.ui.widgets.routing_words import ACTION_LABELS


class ErrorBanner(MessageBar):
    """A closable :class:`MessageBar` that speaks in engine actions.

    Signals:
        action_requested(str): the fix button was pressed; the argument is the action name.
    """

    action_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, closable=True)
        self._pending_action: str | None = None

    @property
    def action(self) -> str | None:
        """The action the button would request, if a button is shown."""
        return self._pending_action

    def show_error(self, text: str, action: str | None = None) -> None:
        """Show ``text``; offer the button for ``action`` when it has a label."""
        self._show(text, ERROR, action)

    def show_info(self, text: str, action: str | None = None) -> None:
        """A neutral note ("Stopped — nothing was saved."), optionally with a button."""
        self._show(text, INFO, action)

    def _show(self, text: str, kind: str, action: str | None) -> None:
        label = ACTION_LABELS.get(action or "")
        self._pending_action = action if label else None
        self.show_message(text, kind=kind, action_label=label, action=self._emit if label else None)

    def _emit(self) -> None:
        action = self._pending_action
        self._pending_action = None
        if action:
            self.action_requested.emit(action)
