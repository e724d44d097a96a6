"""The application's icon for every window, the task bar and the Wayland/X11 app id.

Why here and at start-up: Qt shows the icon of ``QApplication.setWindowIcon`` on every
window and dialog, and desktops match a running window to its menu entry through
``setDesktopFileName``; both must name the same shipped ``switchboard.desktop`` and the
``switchboard`` icon that ``packaging/`` installs into the hicolor theme.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QIcon, QPixmap

from desktop import assets

DESKTOP_ID = "switchboard"
"""The .desktop file's name without ``.desktop`` and the icon name in the hicolor theme."""


def desktop_file_name(env: Mapping[str, str] = os.environ) -> str:
    """The app id the desktop matches windows with: ``switchboard`` from the tarball or a
    wheel, the Flatpak id inside a Flatpak (whose .desktop file is renamed to that id)."""
    return env.get("FLATPAK_ID") or DESKTOP_ID


PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


@cache
def application_icon() -> QIcon:
    """The shipped ``switchboard`` PNGs, every size, so each place picks a sharp one.

    Made once: the application, the main window and the About box share it (its eight
    decoded sizes are 1.4 MiB)."""
    icon = QIcon()
    for size in PNG_SIZES:
        pixmap = QPixmap()
        data = assets.read_bytes(f"icons/hicolor/{size}x{size}/apps/{DESKTOP_ID}.png")
        if pixmap.loadFromData(QByteArray(data), "PNG"):
            icon.addPixmap(pixmap)
    return icon
