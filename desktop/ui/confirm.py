"""Ask before something that cannot be undone (delete a chat, a library item, a server).

Why one helper: every such question looks and answers the same way — the words of the
action on the destructive button, Cancel as the default so Enter never destroys anything,
window-modal without a nested event loop (:func:`~desktop.ui.tasks.run_dialog`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.ui.tasks import run_dialog


async def confirm(
    parent: QWidget,
    title: str,
    text: str,
    action: str,
    *,
    details: str = "",
    shown: Callable[[QMessageBox | None], None] | None = None,
) -> bool:
    """True when the person chose ``action`` over Cancel.

    ``shown`` is told the box while it is open, then None (the Library keeps it for tests).
    """
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent
    )
    if details:
        box.setInformativeText(details)
    chosen = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    if shown is not None:
        shown(box)
    try:
        await run_dialog(box)
        return box.clickedButton() is chosen
    finally:
        if shown is not None:
            shown(None)
        box.deleteLater()
