"""Tell the person a long job finished while they were looking elsewhere.

Why (DESIGN §1a, "a notification when a long job finishes while the user is elsewhere"): a
video takes minutes; people switch to other windows. When the window is not active, the
system tray shows a message (where the desktop has a tray) and the taskbar entry asks for
attention; without a tray, the in-window banner is the fallback that is waiting when they
come back. When the window *is* active, the result on screen says enough.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon, QWidget

from desktop.ui.widgets.message_bar import MessageBar

TRAY = "tray"
BANNER = "banner"
NONE = "none"

_TRAY_SHOWN_MS = 10_000

_tray: QSystemTrayIcon | None = None


def _tray_icon() -> QSystemTrayIcon:
    """One tray icon for the app, shown only while a message is up."""
    global _tray
    if _tray is None:
        app = QApplication.instance()
        icon = app.windowIcon() if isinstance(app, QApplication) else QIcon()
        if icon.isNull() and isinstance(app, QApplication):
            icon = app.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        _tray = QSystemTrayIcon(icon, app)
        _tray.setToolTip("Switchboard")
    return _tray


def notify_finished(widget: QWidget, title: str, text: str, banner: MessageBar) -> str:
    """Notify unless ``widget``'s window is active and showing it; returns how it was done
    (:data:`TRAY`, :data:`BANNER` or :data:`NONE`)."""
    window = widget.window()
    if window.isActiveWindow() and widget.isVisible():
        return NONE
    QApplication.alert(window)  # the taskbar entry asks for attention (no-op when active)
    if not window.isActiveWindow() and QSystemTrayIcon.isSystemTrayAvailable():
        tray = _tray_icon()
        tray.show()
        tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, _TRAY_SHOWN_MS)
        QTimer.singleShot(_TRAY_SHOWN_MS + 1000, tray.hide)
        banner.show_info(text)
        return TRAY
    banner.show_info(text)
    return BANNER
