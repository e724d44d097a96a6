"""The compare view in a window of its own, opened from Chat, Images, Speech or the Library.

A separate, non-modal window so the tab it came from stays usable, and so several columns get
the width they need. Closing it cancels whatever its columns still run (its task scope).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from desktop.core.table import Task
from desktop.services import Services
from desktop.ui.compare.view import CompareView

if TYPE_CHECKING:
    from desktop.engine.compare import Comparison


class CompareDialog(QDialog):
    def __init__(
        self,
        services: Services,
        task: Task,
        parent: QWidget | None = None,
        *,
        model: str = "",
        prompt: str = "",
        audio_path: str = "",
        saved: Comparison | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare side by side — Switchboard")
        self.setModal(False)
        self.resize(1100, 720)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.view = CompareView(
            services, task, self, model=model, prompt=prompt, audio_path=audio_path
        )
        layout.addWidget(self.view)
        if saved is not None:
            self.view.show_saved(saved)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.view.scope.cancel("compare")  # closing stops the columns still running
        super().closeEvent(event)
