"""The UI test harness itself: a hang becomes a failure, and user actions strand no task.

Why these exist: ``test_embeddings_page`` once stalled in half its runs. ``QTest.mouseMove``
(like every ``qWait``) makes Qt process events on the spot; the action ran inside a task
step, so a task step due at that moment could not start ("Cannot enter into task … while
another task is being executed") and its wakeup was lost; the loop fixture then waited
for that task forever.
"""

from __future__ import annotations

import asyncio

import pytest
import qasync
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from tests.ui.conftest import (
    act,
    cancel_and_wait,
    describe_tasks,
    leaked_windows,
    run,
    top_level_addresses,
    until,
)


def test_an_action_that_makes_qt_process_events_strands_no_task(loop: qasync.QEventLoop) -> None:
    started: list[asyncio.Task[str]] = []

    async def other() -> str:
        await asyncio.sleep(0)
        return "done"

    def action() -> None:
        started.append(loop.create_task(other()))
        QTest.qWait(20)  # Qt runs due timers now: the new task's first step among them

    act(loop, action)
    until(loop, lambda: started[0].done(), timeout=5)
    assert started[0].result() == "done"


def test_a_mouse_move_runs_pending_steps_inside_the_loop(loop: qasync.QEventLoop) -> None:
    widget = QWidget()
    widget.resize(100, 100)
    widget.show()
    steps: list[bool] = []

    async def note() -> None:
        steps.append(asyncio.get_running_loop() is loop)

    def move() -> None:
        loop.create_task(note())
        QTest.mouseMove(widget)

    try:
        act(loop, move)
        until(loop, lambda: steps == [True], timeout=5)
    finally:
        widget.close()
        widget.deleteLater()


def test_a_task_that_ignores_its_cancel_is_reported_with_its_stack(
    loop: qasync.QEventLoop,
) -> None:
    stubborn_now = [True]

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                if not stubborn_now[0]:
                    raise

    async def start() -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(stubborn())

    task = run(loop, start())
    stuck = cancel_and_wait(loop, 0.2)  # bounded: returns although the task goes on
    assert stuck == [task]
    assert "in stubborn" in describe_tasks(stuck)
    stubborn_now[0] = False  # now it gives in, so the fixture's own teardown finds it gone
    assert cancel_and_wait(loop, 5) == []


def test_a_window_left_alive_is_found_and_a_deleted_one_is_not(qapp: QApplication) -> None:
    before = top_level_addresses(qapp)
    kept = QLabel("left behind")
    kept.show()
    gone = QWidget()
    gone.show()
    gone.close()
    gone.deleteLater()
    child = QWidget(kept)  # owned by ``kept``: not a leak of its own
    child.show()
    try:
        assert [type(w).__name__ for w in leaked_windows(qapp, before)] == ["QLabel"]
    finally:
        kept.close()
        kept.deleteLater()
    assert leaked_windows(qapp, before) == []


def test_ui_tests_are_marked_gui_without_saying_so(request: pytest.FixtureRequest) -> None:
    # This module sets no ``pytestmark``: the root conftest marks everything under tests/ui,
    # so ``-m "not gui"`` runs the rest of the suite where Qt cannot run.
    assert request.node.get_closest_marker("gui") is not None
    assert "pytestmark" not in globals()
