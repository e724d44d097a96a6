"""The one error funnel: every problem reaches the person as one sentence in a message bar.

Why one funnel: the pages used to word, show and fix errors each their own way. Here:

- :func:`show_problem` puts an engine error (``SwitchboardError``) in a page's
  :class:`MessageBar`: its own sentence, and its fix as the button.
- :func:`apply_fix` is the one meaning of each fix button (``action``): "Add a token" opens
  the Providers page on the token, "Open Providers" opens it, "Try again" runs the page's last
  request again, "Use another provider" opens the provider picker. Chat, Images, Video,
  Speech and Embeddings connect their bars to it.
- :class:`ErrorReporter` installs ``sys.excepthook``, which receives errors from Qt virtual
  overrides, ``asyncSlot`` and every :class:`~desktop.ui.tasks.TaskScope`; the loop's
  exception handler sends it the rest. Each is logged with its traceback and shown as one
  sentence (:data:`UNEXPECTED`, never a traceback) in the message bar of the page in front,
  with "Copy details" for a bug report.
  The window keeps running (a bug in one slot must not take the answer being written down).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import (
    QMessageLogContext,
    QTimer,
    QtMsgType,
    SignalInstance,
    qInstallMessageHandler,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QComboBox, QWidget
from shiboken6 import isValid

from desktop.core.errors import SwitchboardError
from desktop.core.vocab import FixAction
from desktop.ui.widgets.message_bar import COPY_DETAILS, MessageBar

log = logging.getLogger("switchboard")

UNEXPECTED = "Switchboard hit an unexpected problem; your work is saved and you can keep working."
_CONNECTED = "switchboard_reporter"
"""Set on a bar once the reporter listens to its "Copy details" button."""


# --- Expected problems --------------------------------------------------------------------


def show_problem(bar: MessageBar, error: SwitchboardError) -> None:
    """Say an engine error in ``bar``: its own sentence, and its fix as the button."""
    bar.show_error(str(error), error.action)


def apply_fix(
    action: str,
    *,
    retry: Callable[[], object],
    providers_requested: SignalInstance,
    provider_picker: QComboBox,
) -> None:
    """What the fix button for ``action`` does, on every page (its bar's ``action_requested``).

    ``retry`` runs the page's request again; ``providers_requested`` is the page's signal
    that opens the Providers page ("token": on the token field); ``provider_picker`` is the
    page's provider choice, opened for "Use another provider"."""
    if action == FixAction.RETRY:
        retry()
    elif action == FixAction.ADD_TOKEN:
        providers_requested.emit("token")
    elif action == FixAction.OPEN_PROVIDERS:
        providers_requested.emit("")
    elif action == FixAction.OTHER_PROVIDER:
        provider_picker.setFocus()
        provider_picker.showPopup()


# --- Unexpected problems ------------------------------------------------------------------


class ErrorReporter:
    """Installs the hooks; shows each unexpected error as one sentence in the page in front.

    Attributes:
        reported: every unexpected error seen (for tests and the log).
        details: the traceback of the latest one ("Copy details" copies it).
    """

    def __init__(self) -> None:
        self.reported: list[BaseException] = []
        self.details = ""
        self._repeats = 0
        self._bar: MessageBar | None = None

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
        self.details = "".join(traceback.format_exception(exc_type, exc, tb))
        if QApplication.instance() is not None:
            # Never touch widgets from inside the failing call: do it on the next turn.
            QTimer.singleShot(0, self._show)

    def loop_exception_handler(self, loop: Any, context: dict[str, Any]) -> None:
        """asyncio's handler: route exceptions to :meth:`excepthook`, log the rest."""
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            self.excepthook(type(exc), exc, exc.__traceback__)
        else:
            log.error("Event loop: %s", context.get("message", context))

    def _show(self) -> None:
        bar = _front_bar()
        if bar is None:
            return  # no window yet (or any more): the log has it
        showing = self._bar is bar and isValid(bar) and bar.isVisible()
        self._repeats = self._repeats + 1 if showing else 1
        text = UNEXPECTED
        if self._repeats > 1:
            text = f"{UNEXPECTED[:-1]} ({self._repeats} problems so far; see the log)."
        if not bar.property(_CONNECTED):
            bar.setProperty(_CONNECTED, True)
            bar.action_requested.connect(self._on_bar_action)
        self._bar = bar
        bar.show_error(text, COPY_DETAILS)

    def _on_bar_action(self, action: str) -> None:
        if action == COPY_DETAILS and self.details:
            QGuiApplication.clipboard().setText(self.details)


def _front_window() -> QWidget | None:
    """The visible main window, if any."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    for widget in app.topLevelWidgets():
        if widget.windowTitle() == "Switchboard" and widget.isVisible():
            return widget
    return None


def _front_bar() -> MessageBar | None:
    """The message bar of the page in front of the visible main window, if any."""
    window = _front_window()
    finder: Callable[[], MessageBar | None] | None = getattr(window, "current_message_bar", None)
    return finder() if callable(finder) else None


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
