"""TaskScope and run_dialog: cancellable work owned by widgets, dialogs without exec()."""

from __future__ import annotations

import asyncio

import pytest
import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog

from desktop.ui.tasks import TaskScope, run_dialog
from tests.ui.conftest import run


def test_a_slot_keeps_only_the_newest_task(loop: qasync.QEventLoop) -> None:
    async def scenario() -> list[str]:
        scope = TaskScope("t")
        done: list[str] = []

        async def work(name: str) -> None:
            await asyncio.sleep(0.05)
            done.append(name)

        first = scope.spawn(work("first"), slot="search")
        second = scope.spawn(work("second"), slot="search")
        await asyncio.wait([first, second])
        assert first.cancelled()
        assert scope.running("search") is None
        return done

    assert run(loop, scenario()) == ["second"]


def test_aclose_cancels_everything_and_refuses_new_work(loop: qasync.QEventLoop) -> None:
    async def scenario() -> None:
        scope = TaskScope("t")
        started = asyncio.Event()
        cancelled = asyncio.Event()

        async def forever() -> None:
            started.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        scope.spawn(forever())
        await started.wait()
        await scope.aclose(timeout=1)
        assert cancelled.is_set()
        coro = asyncio.sleep(0)
        with pytest.raises(RuntimeError):
            scope.spawn(coro)

    run(loop, scenario())


def test_cancel_reports_whether_something_ran(loop: qasync.QEventLoop) -> None:
    async def scenario() -> None:
        scope = TaskScope("t")
        assert not scope.cancel("turn")
        task = scope.spawn(asyncio.sleep(3600), slot="turn")
        await asyncio.sleep(0)
        assert scope.cancel("turn")
        with pytest.raises(asyncio.CancelledError):
            await task

    run(loop, scenario())


def test_errors_reach_the_excepthook(
    loop: qasync.QEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[BaseException] = []
    monkeypatch.setattr("sys.excepthook", lambda _t, exc, _tb: seen.append(exc))

    async def boom() -> None:
        raise ValueError("bug")

    async def scenario() -> None:
        task = TaskScope("t").spawn(boom())
        await asyncio.wait([task])
        await asyncio.sleep(0)

    run(loop, scenario())
    assert [str(e) for e in seen] == ["bug"]


def test_run_dialog_returns_the_code_without_a_nested_loop(loop: qasync.QEventLoop) -> None:
    async def scenario() -> int:
        dialog = QDialog()
        ticks: list[int] = []

        async def ticker() -> None:  # keeps running while the dialog is open
            while True:
                ticks.append(1)
                await asyncio.sleep(0.01)

        tick_task = asyncio.get_running_loop().create_task(ticker())
        QTimer.singleShot(100, dialog.accept)
        code = await run_dialog(dialog)
        tick_task.cancel()
        assert len(ticks) > 2
        dialog.deleteLater()
        return code

    assert run(loop, scenario()) == QDialog.DialogCode.Accepted
