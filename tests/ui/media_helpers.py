"""Helpers for the task-tab tests: drop a file on a widget, answer a save dialog, fast deadlines.

Why real events and real dialogs: the tabs must work the way a person uses them, so a drop
is a QDragEnterEvent and a QDropEvent sent to the page, and an export goes through the very
QFileDialog the person would see (found among the page's children, given a file name and
accepted), not a stand-in function.

Why every action that starts work waits for its end in the same loop run
(:func:`act_until`): the work's steps then all run inside the running loop, and the action
itself runs outside any task (conftest's ``outside_tasks``), as a real user event does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QWidget

from desktop.engine.router import Deadlines
from tests.ui.conftest import outside_tasks, run, until

FAST = Deadlines(ttft_s=1.0, ttft_min_s=1.0, ttft_max_s=1.0, idle_s=1.0, total_s=20.0)


def act_until(
    loop: asyncio.AbstractEventLoop,
    action: Callable[[], object],
    done: Callable[[], object],
    timeout: float = 10,
) -> None:
    """Do ``action`` inside the running loop and keep it running until ``done()`` is true."""

    async def inside() -> None:
        await outside_tasks(action)
        # Polling on purpose: the conditions are widget states, which signal nothing.
        while not done():  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    try:
        run(loop, inside(), timeout)
    except TimeoutError:
        pytest.fail(f"condition not met within {timeout} s: {done}")


def drop_files(
    loop: asyncio.AbstractEventLoop,
    target: QWidget,
    *paths: Path,
    done: Callable[[], object] = lambda: True,
) -> bool:
    """Drag ``paths`` over ``target`` and drop them, then wait for ``done()``; True when the
    drop was accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    action = Qt.DropAction.CopyAction
    no_button, no_keys = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(20, 20), action, mime, no_button, no_keys)
    drop = QDropEvent(QPointF(20, 20), action, mime, no_button, no_keys)

    def drag_and_drop() -> None:
        QApplication.sendEvent(target, enter)
        if enter.isAccepted():
            QApplication.sendEvent(target, drop)

    act_until(loop, drag_and_drop, lambda: not enter.isAccepted() or done())
    return enter.isAccepted() and drop.isAccepted()


def open_file_dialog(loop: asyncio.AbstractEventLoop, parent: QWidget) -> QFileDialog:
    """The file dialog ``parent`` has just opened (waits until it is visible)."""
    found: list[QFileDialog] = []

    def visible() -> bool:
        found[:] = [d for d in parent.findChildren(QFileDialog) if d.isVisible()]
        return bool(found)

    until(loop, visible)
    return found[-1]


def answer_dialog(
    loop: asyncio.AbstractEventLoop,
    parent: QWidget,
    target: Path,
    done: Callable[[], object],
) -> None:
    """Type ``target`` into the open file dialog of ``parent``, accept it, wait for ``done()``."""
    dialog = open_file_dialog(loop, parent)

    def accept() -> None:
        # As a person does: go to the folder, type the name. (``selectFile`` leaves the name
        # box alone while it has the focus, as it does in a shown dialog.)
        dialog.setDirectory(str(target.parent))
        name_box = dialog.findChild(QLineEdit, "fileNameEdit")
        if name_box is not None:
            name_box.setText(target.name)
        else:
            dialog.selectFile(target.name)
        dialog.accept()

    act_until(loop, accept, done)
