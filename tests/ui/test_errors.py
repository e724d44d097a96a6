"""The error funnel: unexpected errors are logged and shown, and the app keeps running."""

from __future__ import annotations

import logging

import pytest
import qasync
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.ui.errors import ErrorReporter
from tests.ui.conftest import until


def boxes(qapp: QApplication) -> list[QMessageBox]:
    return [w for w in qapp.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_an_unexpected_error_is_logged_and_shown_once(
    loop: qasync.QEventLoop, qapp: QApplication, caplog: pytest.LogCaptureFixture
) -> None:
    reporter = ErrorReporter()
    try:
        raise ValueError("something broke")
    except ValueError as exc:
        with caplog.at_level(logging.ERROR):
            reporter.excepthook(type(exc), exc, exc.__traceback__)
        second = RuntimeError("and again")
        reporter.excepthook(type(second), second, None)
    until(loop, lambda: bool(boxes(qapp)))
    shown = boxes(qapp)
    assert len(shown) == 1
    box = shown[0]
    assert not box.isModal()
    assert "something broke" in box.detailedText()
    until(loop, lambda: "1 more problem" in box.informativeText())
    assert "something broke" in caplog.text
    box.close()
    until(loop, lambda: not boxes(qapp))


def test_loop_errors_use_the_same_funnel(
    loop: qasync.QEventLoop, qapp: QApplication, caplog: pytest.LogCaptureFixture
) -> None:
    reporter = ErrorReporter()
    with caplog.at_level(logging.ERROR):
        reporter.loop_exception_handler(loop, {"message": "odd", "exception": KeyError("k")})
        reporter.loop_exception_handler(loop, {"message": "just a message"})
    assert [type(e) for e in reporter.reported] == [KeyError]
    assert "just a message" in caplog.text
    until(loop, lambda: bool(boxes(qapp)))
    for box in boxes(qapp):
        box.close()
