"""About Switchboard: version, where the files are (each folder opens), keyring, licences."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication, QPushButton

from desktop import __version__, app
from desktop.store import keyring_setup
from desktop.store.keyring_setup import KeyringReport
from desktop.store.paths import AppPaths
from desktop.ui.about import AboutDialog
from desktop.ui.app_icon import application_icon
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import until

pytestmark = pytest.mark.gui


def test_about_says_version_places_keyring_and_licences(
    qapp: QApplication, app_paths: AppPaths
) -> None:
    opened: list[Path] = []
    report = KeyringReport(backend=None, problem="Secret Service: no D-Bus session")
    dialog = AboutDialog(app_paths, report, open_folder=opened.append)
    text = " ".join(w.text() for w in dialog.findChildren(type(dialog.keyring)))
    assert f"Switchboard {__version__}" in text
    assert str(app_paths.data_dir) in text and str(app_paths.config_dir) in text
    assert "Backups of the history" in text
    assert dialog.keyring.text().startswith("No system keyring was found (Secret Service: no D-Bus")

    licences = dialog.licences.toPlainText()
    assert "GNU Lesser General Public License version 3" in licences
    assert "replace them with your own build" in licences
    assert "PySide6" in licences and "keyring" in licences and "FFmpeg" in licences

    # Every "Open folder" opens its own place: data, settings, backups (beside the data), cache.
    for button in dialog.open_buttons:
        button.click()
    assert opened == [
        app_paths.data_dir,
        app_paths.config_dir,
        app_paths.data_dir,
        app_paths.cache_dir,
    ]
    dialog.deleteLater()


def test_the_providers_page_opens_about_with_the_start_up_self_test(
    loop: qasync.QEventLoop,
    make_window: Callable[..., MainWindow],
) -> None:
    keyring_setup.self_test(frozen=False)  # what run_window does before the services open
    window = make_window({})
    window.show_providers()
    page = window.providers
    assert isinstance(page.about_button, QPushButton)
    page.about_button.click()
    until(loop, lambda: page.about_dialog is not None and page.about_dialog.isVisible())
    dialog = page.about_dialog
    assert dialog is not None
    assert dialog.keyring.text().startswith("Keys are kept in the system keyring (")
    assert str(window.services.paths.data_dir) in " ".join(
        label.text() for label in dialog.findChildren(type(dialog.keyring))
    )
    dialog.reject()
    until(loop, lambda: not dialog.isVisible())
    page.about_button.click()  # opened again, the same dialog
    until(loop, lambda: dialog.isVisible())
    assert page.about_dialog is dialog
    dialog.reject()


def test_the_application_icon_has_every_size(qapp: QApplication) -> None:
    sizes = sorted(s.width() for s in application_icon().availableSizes())
    assert sizes == [16, 24, 32, 48, 64, 128, 256, 512]


def test_start_up_names_the_shipped_menu_entry_and_sets_the_icon(qapp: QApplication) -> None:
    """The desktop matches the window to resources/switchboard.desktop (and its icon)."""
    quit_on_close = qapp.quitOnLastWindowClosed()
    try:
        assert app.make_application(["switchboard"]) is qapp
        assert QApplication.desktopFileName() == "switchboard"
        sizes = sorted(s.width() for s in QApplication.windowIcon().availableSizes())
        assert sizes == [16, 24, 32, 48, 64, 128, 256, 512]
    finally:
        qapp.setQuitOnLastWindowClosed(quit_on_close)
