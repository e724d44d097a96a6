"""The error funnel: an unexpected error is logged, said in one sentence, and the app goes on."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
import qasync
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.ui.errors import UNEXPECTED, ErrorReporter
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import act, until


def boxes(qapp: QApplication) -> list[QMessageBox]:
    return [w for w in qapp.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_an_unexpected_error_is_one_sentence_in_the_page_in_front(
    loop: qasync.QEventLoop,
    qapp: QApplication,
    make_window: Callable[..., MainWindow],
    caplog: pytest.LogCaptureFixture,
) -> None:
    window = make_window({})
    window.tabs.setCurrentWidget(window.images)
    bar = window.images.message_bar
    reporter = ErrorReporter()
    try:
        raise ValueError("something broke")
    except ValueError as exc:
        with caplog.at_level(logging.ERROR):
            reporter.excepthook(type(exc), exc, exc.__traceback__)
    until(loop, bar.isVisible)
    assert bar.text_label.text() == UNEXPECTED
    assert "Traceback" not in bar.text_label.text() and "\n" not in bar.text_label.text()
    assert "something broke" in caplog.text  # the details are in the log
    assert not boxes(qapp)  # no dialog in the way

    second = RuntimeError("and again")
    reporter.excepthook(type(second), second, None)
    until(loop, lambda: "2 problems" in bar.text_label.text())
    assert [type(e) for e in reporter.reported] == [ValueError, RuntimeError]

    assert bar.action_button.text() == "Copy details"
    act(loop, bar.action_button.click)
    copied = QGuiApplication.clipboard().text()
    assert "RuntimeError: and again" in copied
    assert not bar.isVisible()


def test_loop_errors_use_the_same_funnel(
    loop: qasync.QEventLoop,
    make_window: Callable[..., MainWindow],
    caplog: pytest.LogCaptureFixture,
) -> None:
    window = make_window({})
    window.tabs.setCurrentWidget(window.library)
    reporter = ErrorReporter()
    with caplog.at_level(logging.ERROR):
        reporter.loop_exception_handler(loop, {"message": "odd", "exception": KeyError("k")})
        reporter.loop_exception_handler(loop, {"message": "just a message"})
    assert [type(e) for e in reporter.reported] == [KeyError]
    assert "just a message" in caplog.text
    until(loop, window.library.message_bar.isVisible)
    assert window.library.message_bar.text_label.text() == UNEXPECTED


def test_without_a_window_the_error_is_logged_and_nothing_opens(
    loop: qasync.QEventLoop, qapp: QApplication, caplog: pytest.LogCaptureFixture
) -> None:
    reporter = ErrorReporter()
    with caplog.at_level(logging.ERROR):
        exc = OSError("disk gone")
        reporter.excepthook(type(exc), exc, None)
    assert "disk gone" in caplog.text
    act(loop, qapp.processEvents)  # the deferred show runs and finds no window
    assert reporter.reported == [exc]
    assert not boxes(qapp)
