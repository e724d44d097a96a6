""" "Restore from a backup…": pick one of the daily copies of the history and restore it.

The current history is copied aside first (``store.backups``), and that copy is offered in
the same list afterwards, so a restore can always be undone. The work runs on the database
worker; this module only asks which backup and reports the outcome in the page's bar.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QDialog, QInputDialog, QWidget

from desktop.services import Services
from desktop.store.backups import Backup, list_backups, restore_backup
from desktop.store.faults import STORAGE_ERRORS, storage_fault
from desktop.store.history import HistoryError
from desktop.ui.tasks import run_dialog
from desktop.ui.widgets.message_bar import MessageBar


def backup_label(backup: Backup) -> str:
    """``history-2026-12-07.db — 7 Dec 2026 09:14 · 1.2 MB``."""
    when = datetime.fromtimestamp(backup.modified).strftime("%-d %b %Y %H:%M")
    return f"{backup.name} — {when} · {backup.size / (1024 * 1024):.1f} MB"


def restore_dialog(parent: QWidget | None, backups: list[Backup]) -> QInputDialog:
    """The question, with the backups newest first; OK is labelled Restore."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Restore from a backup")
    dialog.setLabelText(
        "Restore the chat history and library from this backup? The history as it is now "
        "is kept as a backup first, so you can come back to it."
    )
    dialog.setComboBoxItems([backup_label(b) for b in backups])
    dialog.setComboBoxEditable(False)
    dialog.setOkButtonText("Restore")
    return dialog


async def restore_from_backup(
    parent: QWidget,
    services: Services,
    bar: MessageBar,
    shown: list[QInputDialog] | None = None,
) -> bool:
    """Ask which backup to restore and restore it; True when the history changed.

    ``shown`` receives the open dialog (tests answer it).
    """
    folder = services.paths.backups_dir
    backups = await services.db.run(list_backups, folder)
    if not backups:
        bar.show_info(f"There are no backups yet; one is made each day in {folder}.")
        return False
    dialog = restore_dialog(parent, backups)
    if shown is not None:
        shown.append(dialog)
    try:
        code = await run_dialog(dialog)
        label = dialog.textValue()
    finally:
        dialog.deleteLater()
    chosen = next((b for b in backups if backup_label(b) == label), None)
    if code != QDialog.DialogCode.Accepted or chosen is None:
        return False
    history = services.history
    try:
        aside = await services.db.run(restore_backup, history, folder, chosen.name)
    except HistoryError as exc:
        bar.show_error(str(exc))
        return False
    except STORAGE_ERRORS as exc:
        bar.show_error(str(storage_fault(exc, "The backup was not restored", history.path)))
        return False
    bar.show_info(f"Restored {chosen.name}. The history as it was is kept as {aside.name}.")
    return True
