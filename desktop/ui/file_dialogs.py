"""Picking a file to open, and writing an export, without blocking the event loop.

Why: with qasync the event loop is the GUI thread, so ``QFileDialog.getOpenFileName`` (a
nested event loop) inside a coroutine would break every other running task (style.md §2.5),
and writing megabytes of vectors on the loop would freeze the window (§2.4). The open dialog
is shown with ``open()`` and awaited (:func:`desktop.ui.tasks.run_dialog`); writes go to the
services' thread pool through a temporary file, so a failed write never leaves half a file.
"Save as" is :func:`desktop.ui.widgets.file_actions.ask_save_path`, shared with the other tabs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from desktop.services import Services
from desktop.store.atomic import SHARED_MODE, atomic_write_bytes
from desktop.ui.tasks import run_dialog

_last_folder: dict[str, str] = {}
"""Folder last opened from, per purpose, for this session."""


async def ask_open_path(parent: QWidget, *, title: str, filters: str, purpose: str) -> Path | None:
    """An existing file the person picked, or None when they cancelled."""
    folder = _last_folder.get(purpose) or str(Path.home())
    dialog = QFileDialog(parent, title, folder, filters)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    try:
        accepted = await run_dialog(dialog) == QDialog.DialogCode.Accepted
        chosen = dialog.selectedFiles()
    finally:
        dialog.deleteLater()
    if not accepted or not chosen:
        return None
    path = Path(chosen[0])
    _last_folder[purpose] = str(path.parent)
    return path


def _write(path: Path, data: bytes) -> None:
    """Blocking: replace the target atomically, with the usual permissions for an export."""
    atomic_write_bytes(path, data, mode=SHARED_MODE)


async def write_file(services: Services, path: Path, data: bytes | str) -> str | None:
    """Write ``data`` (text as UTF-8) in the thread pool; a one-sentence problem, or None."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        await services.run_blocking(_write, path, payload)
    except OSError as exc:
        return f"Could not save {path.name}: {exc.strerror or exc}."
    return None
