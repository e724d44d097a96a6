"""Where comparisons start: a "Compare…" button beside the provider box of Chat, Images and
Speech, and the Library's "Open" of a saved comparison.

The buttons are placed by the main window next to each tab's provider picker (in the same
layout, right after it), so the tabs themselves need no knowledge of comparing. "Keep this
one" is handed to ``on_kept(task, id)``: the main window opens the conversation, picture or
transcript in its tab.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QBoxLayout, QPushButton, QWidget

from desktop.core.table import Task
from desktop.services import Services
from desktop.ui.tasks import TaskScope

if TYPE_CHECKING:
    from desktop.ui.compare.dialog import CompareDialog

Kept = Callable[[str, int], None]
Seed = Callable[[], tuple[str, str]]
"""What the tab offers to start with: (model, prompt or audio path)."""


def add_compare_button(beside: QWidget, on_click: Callable[[], object]) -> QPushButton | None:
    """A "Compare…" button right after ``beside`` in its layout; None when it has none."""
    holder = beside.parentWidget()
    layouts = [holder.layout()] if holder is not None else []
    layouts += [child for child in (holder.findChildren(QBoxLayout) if holder else [])]
    for layout in layouts:
        if isinstance(layout, QBoxLayout) and layout.indexOf(beside) >= 0:
            button = QPushButton("Compare…", holder)
            button.setToolTip("Send one prompt to 2–4 models or providers and compare side by side")
            button.clicked.connect(on_click)
            layout.insertWidget(layout.indexOf(beside) + 1, button)
            QWidget.setTabOrder(beside, button)  # Tab reaches it right after the box, too
            return button
    return None


class CompareOpener:
    """Opens compare windows and keeps them (and their work) until the app closes."""

    def __init__(self, services: Services, parent: QWidget, on_kept: Kept) -> None:
        self.services = services
        self.parent = parent
        self.on_kept = on_kept
        self.dialogs: list[CompareDialog] = []
        self.scope = TaskScope("compare-opener")

    def attach(self, task: Task, beside: QWidget, seed: Seed) -> QPushButton | None:
        def click() -> None:
            model, prompt = seed()
            self.open(task, model=model, prompt=prompt)

        return add_compare_button(beside, click)

    def open(self, task: Task, *, model: str = "", prompt: str = "") -> CompareDialog:
        # The window and the engine behind it are imported on the first comparison.
        from desktop.ui.compare.dialog import CompareDialog

        dialog = CompareDialog(
            self.services,
            task,
            self.parent,
            model=model,
            prompt="" if task == Task.SPEECH_TO_TEXT else prompt,
            audio_path=prompt if task == Task.SPEECH_TO_TEXT else "",
        )
        self._keep(dialog)
        return dialog

    def open_saved(self, record_id: int) -> None:
        """Reopen a comparison kept in the Library."""
        self.scope.spawn(self._open_saved(record_id))

    async def _open_saved(self, record_id: int) -> None:
        from desktop.engine.compare import load_comparison
        from desktop.ui.compare.dialog import CompareDialog

        comparison = await self.services.db.run(load_comparison, self.services.history, record_id)
        if comparison is None:
            return
        dialog = CompareDialog(self.services, Task(comparison.kind), self.parent, saved=comparison)
        self._keep(dialog)

    def _keep(self, dialog: CompareDialog) -> None:
        dialog.view.kept.connect(self.on_kept)
        dialog.finished.connect(lambda _code: self._forget(dialog))
        self.dialogs.append(dialog)
        dialog.show()

    def _forget(self, dialog: CompareDialog) -> None:
        if dialog in self.dialogs and not dialog.view.busy:
            self.dialogs.remove(dialog)

    async def aclose(self) -> None:
        await self.scope.aclose()
        for dialog in list(self.dialogs):
            await dialog.view.aclose()
            dialog.close()
        self.dialogs.clear()
