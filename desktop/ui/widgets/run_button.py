"""The primary action of a task tab ("Make image") that turns into "Cancel" while it runs.

Why one button for both (DESIGN §1a, "a Cancel that works"): the place the user clicked to
start is where they look to stop, and a second button that is disabled most of the time is
clutter. The button does not start work itself: the page does, in its :class:`TaskScope`, and
hands the task to :meth:`RunButton.track`; a click while it runs cancels that task (or calls a
page-provided canceller, e.g. one that cancels a video job at the provider by its id).

Use::

    button = RunButton("Make image", parent)
    button.bind(scope, "make")
    button.run_requested.connect(page.run)
    ...
    button.track(scope.spawn(make(), slot="make"))
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QSizePolicy, QWidget
from shiboken6 import isValid

from desktop.ui.tasks import TaskScope


class RunButton(QPushButton):
    """Idle: shows ``text`` in the highlight colour; running: shows ``cancel_text``.

    Signals:
        run_requested(): clicked while idle.
        cancel_requested(): clicked while running (the cancel itself is already under way).
    """

    run_requested = Signal()
    cancel_requested = Signal()

    def __init__(
        self, text: str, parent: QWidget | None = None, *, cancel_text: str = "Cancel"
    ) -> None:
        super().__init__(text, parent)
        self._idle_text = text
        self._cancel_text = cancel_text
        self._scope: TaskScope | None = None
        self._slot: str | None = None
        self._canceller: Callable[[], None] | None = None
        self._task: asyncio.Task[Any] | None = None
        self.setMinimumHeight(34)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = QFont(self.font())
        font.setBold(True)
        self.setFont(font)
        self.clicked.connect(self._on_clicked)
        self._paint_primary(True)

    # --- Public API -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def bind(self, scope: TaskScope, slot: str) -> None:
        """Cancel ``scope``'s ``slot`` when clicked while running (the default canceller)."""
        self._scope, self._slot = scope, slot

    def set_canceller(self, canceller: Callable[[], None] | None) -> None:
        """Use ``canceller`` instead of cancelling the bound slot (None: back to the slot)."""
        self._canceller = canceller

    def set_idle_text(self, text: str) -> None:
        """The words shown while nothing runs ("Make image", "Change picture")."""
        self._idle_text = text
        if not self.running:
            self.setText(text)

    def track(self, task: asyncio.Task[Any]) -> None:
        """Show "Cancel" until ``task`` ends."""
        self._task = task
        self.setText(self._cancel_text)
        self.setToolTip("Stop this request (Esc)")
        self._paint_primary(False)
        task.add_done_callback(self._on_task_done)

    def cancel(self) -> bool:
        """Cancel the running work; False when nothing runs."""
        if not self.running:
            return False
        self.cancel_requested.emit()
        if self._canceller is not None:
            self._canceller()
        elif self._scope is not None and self._slot is not None:
            self._scope.cancel(self._slot)
        elif self._task is not None:
            self._task.cancel()
        return True

    # --- Internals ------------------------------------------------------------------------

    def _on_clicked(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.run_requested.emit()

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        if not isValid(self) or task is not self._task:
            return
        self._task = None
        self.setText(self._idle_text)
        self.setToolTip("")
        self._paint_primary(True)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ApplicationPaletteChange:  # light/dark switched
            self._paint_primary(not self.running)

    def _paint_primary(self, primary: bool) -> None:
        """The idle button wears the highlight colour; "Cancel" looks like any button.

        Derived from the application palette each time, so a scheme switch is followed.
        """
        palette = QPalette(QApplication.palette(self))
        if not primary:
            self.setPalette(palette)
            return
        palette.setColor(QPalette.ColorRole.Button, palette.color(QPalette.ColorRole.Highlight))
        palette.setColor(
            QPalette.ColorRole.ButtonText, palette.color(QPalette.ColorRole.HighlightedText)
        )
        self.setPalette(palette)
