"""About Switchboard: the version, where its files live (each with "Open folder"), whether the
system keyring works, and the licences of the libraries it ships with (Qt's LGPL notice).

Why a dialog of its own: people who installed the app from a tarball need one place that
answers "which version is this", "where is my history", and "are my keys safe"; and the LGPL
asks that the Qt notice be reachable from the running app.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.core.licences import APP_LICENCE, QT_NOTICE, licence_lines
from desktop.store.keyring_setup import KeyringReport
from desktop.store.paths import AppPaths
from desktop.ui.app_icon import application_icon
from desktop.ui.widgets.labels import MutedLabel, heading, wrapped


def open_in_file_manager(folder: Path) -> bool:
    """Ask the desktop to show ``folder`` (created first, so the file manager finds it)."""
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def places(paths: AppPaths) -> list[tuple[str, Path]]:
    """What lives where, in the words the dialog uses."""
    return [
        ("History, media and window state", paths.data_dir),
        ("Settings", paths.config_dir),
        ("Backups of the history (history.db.bak-v…, made before each upgrade)", paths.data_dir),
        ("Cache (model lists, provider health; safe to delete)", paths.cache_dir),
    ]


class AboutDialog(QDialog):
    """Version, places, keyring self-test, licences. ``open_folder`` is replaceable for tests."""

    def __init__(
        self,
        paths: AppPaths,
        keyring_report: KeyringReport | None,
        parent: QWidget | None = None,
        *,
        open_folder: Callable[[Path], object] = open_in_file_manager,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Switchboard")
        self.setWindowIcon(application_icon())
        self._open_folder = open_folder
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>Switchboard {html.escape(__version__)}</b>", self)
        title.setAccessibleName("Version")
        layout.addWidget(title)
        layout.addWidget(wrapped(MutedLabel(APP_LICENCE, self)))

        layout.addWidget(heading("Where your files are", self))
        grid = QGridLayout()
        self.open_buttons: list[QPushButton] = []
        for row, (what, folder) in enumerate(places(paths)):
            grid.addWidget(wrapped(QLabel(what, self)), row, 0)
            where = QLabel(str(folder), self)
            where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(where, row, 1)
            button = QPushButton("Open folder", self)
            button.setAccessibleName(f"Open folder: {what}")
            button.clicked.connect(lambda _=False, f=folder: self._open_folder(f))
            grid.addWidget(button, row, 2)
            self.open_buttons.append(button)
        layout.addLayout(grid)

        layout.addWidget(heading("Keys", self))
        self.keyring = wrapped(
            QLabel(
                keyring_report.sentence()
                if keyring_report is not None
                else "The system keyring has not been checked yet.",
                self,
            )
        )
        self.keyring.setAccessibleName("Keyring")
        layout.addWidget(self.keyring)

        layout.addWidget(heading("Licences", self))
        self.licences = QTextBrowser(self)
        self.licences.setOpenExternalLinks(True)
        self.licences.setPlainText("\n\n".join([QT_NOTICE, "\n".join(licence_lines())]))
        self.licences.setMinimumSize(560, 200)
        layout.addWidget(self.licences, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
