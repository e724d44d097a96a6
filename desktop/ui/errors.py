"""The one funnel for unexpected errors: log with the traceback, tell the user, keep running.

Why: a bug in one slot or task must not take the window (and the answer being written) down.
``sys.excepthook`` receives errors from Qt virtual overrides, from ``asyncSlot`` and from our
task scopes; the loop's exception handler receives the rest. Each is logged and shown in a
non-modal dialog with the details to copy (style.md §5.3). Expected problems never come here:
they have one-sentence messages shown where they happen.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtCore import QMessageLogContext, Qt, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger("switchboard")


class ErrorReporter:
    """Installs the hooks and shows at most one error dialog at a time."""

    def __init__(self) -> None:
        self._box: QMessageBox | None = None
        self._extra = 0
        self.reported: list[BaseException] = []

    def install(self) -> None:
        sys.excepthook = self.excepthook
        qInstallMessageHandler(_qt_message_handler)

    def excepthook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("Unexpected error", exc_info=(exc_type, exc, tb))
        self.reported.append(exc)
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        if QApplication.instance() is not None:
            # Never open a dialog from inside the failing call: do it on the next turn.
            QTimer.singleShot(0, lambda: self._show(str(exc) or exc_type.__name__, details))

    def loop_exception_handler(self, loop: Any, context: dict[str, Any]) -> None:
        """asyncio's handler: route exceptions to :meth:`excepthook`, log the rest."""
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            self.excepthook(type(exc), exc, exc.__traceback__)
        else:
            log.error("Event loop: %s", context.get("message", context))

    def _show(self, summary: str, details: str) -> None:
        if self._box is not None and self._box.isVisible():
            self._extra += 1
            self._box.setInformativeText(
                f"{self._extra} more problem(s) happened since; see the log for all of them."
            )
            return
        parent = _main_window()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Something went wrong",
            "Switchboard hit an unexpected problem. Your chats are saved and you can keep working.",
            QMessageBox.StandardButton.Close,
            parent,
        )
        box.setInformativeText(summary[:300])
        box.setDetailedText(details)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._on_closed)
        self._box = box
        self._extra = 0
        box.show()

    def _on_closed(self, _code: int) -> None:
        self._box = None


def _main_window() -> QWidget | None:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    for widget in app.topLevelWidgets():
        if widget.windowTitle() == "Switchboard" and widget.isVisible():
            return widget
    return None


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message_handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's own warnings go to our log instead of raw stderr (qutebrowser's qtlog idea)."""
    logging.getLogger("qt").log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)
