""" "Restore from a backup…" in the Library: the history goes back, the current one is kept."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import qasync

from desktop.store.backups import list_backups
from desktop.ui.main_window import MainWindow
from tests.emulator import HF_TOKEN, Emulator
from tests.ui.conftest import until

pytestmark = pytest.mark.gui


def test_restoring_a_backup_keeps_the_current_history_and_reloads_chat(
    loop: qasync.QEventLoop, emulator: Emulator, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(emulator.env() | {"HF_TOKEN": HF_TOKEN})
    services = window.services
    folder = services.paths.backups_dir
    (daily,) = list_backups(folder)  # made when the app opened
    services.db.submit(services.history.create_conversation, "Made after the backup").result()
    window.chat.sidebar.reload()
    until(loop, lambda: window.chat.sidebar.model.rowCount() == 1)

    library = window.library
    library.restore_button.click()
    until(loop, lambda: bool(library.restore_dialogs) and library.restore_dialogs[-1].isVisible())
    dialog = library.restore_dialogs[-1]
    assert dialog.textValue().startswith(daily.name)
    dialog.accept()
    until(loop, lambda: "Restored" in library.message_bar.text_label.text())
    assert "history-before-restore-" in library.message_bar.text_label.text()
    until(loop, lambda: window.chat.sidebar.model.rowCount() == 0)
    # The history as it was is a backup now, offered in the same list.
    names = [b.name for b in list_backups(folder)]
    assert any(n.startswith("history-before-restore-") for n in names)
