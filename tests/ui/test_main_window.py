"""The main window: its tabs, remembered layout, shortcuts, and an orderly close."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop import app
from desktop.core.table import HF_CREDENTIAL
from desktop.core.trace import Outcome
from desktop.engine.health import HealthBook
from desktop.services import Services
from desktop.store.paths import AppPaths
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import act, run, settle, until


def test_exactly_the_working_tabs(make_window: Callable[..., MainWindow]) -> None:
    window = make_window({})
    assert window.windowTitle() == "Switchboard"
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "Chat",
        "Images",
        "Video",
        "Speech",
        "Embeddings",
        "Library",
        "Providers",
    ]


def test_layout_and_last_tab_survive_a_restart(
    loop: qasync.QEventLoop, open_services: Callable[..., Services]
) -> None:
    services = open_services({})

    async def first() -> None:
        window = MainWindow(services)
        window.resize(800, 650)  # fits the 800×800 offscreen screen, above the minimum
        window.show()
        window.show_providers()
        await window.shutdown()
        window.deleteLater()  # destroyed while the loop still runs, as the fixtures do

    run(loop, first())
    assert services.state.get_str("window.tab") == "providers"
    assert services.state.get_bytes("window.geometry")

    async def second() -> MainWindow:
        window = MainWindow(services)
        window.show()
        return window

    again = run(loop, second())
    assert again.tabs.currentWidget() is again.providers
    assert (again.width(), again.height()) == (800, 650)
    run(loop, again.shutdown())
    again.deleteLater()
    settle(loop)


def test_closing_cancels_running_work_then_reports(
    loop: qasync.QEventLoop, open_services: Callable[..., Services]
) -> None:
    services = open_services({})
    closed: list[int] = []
    cancelled = asyncio.Event()
    done = asyncio.Event()

    def on_closed() -> None:
        closed.append(1)
        done.set()

    async def scenario() -> None:
        window = MainWindow(services, on_closed=on_closed)
        window.show()

        async def long_work() -> None:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        window.chat.scope.spawn(long_work(), slot="turn")
        await asyncio.sleep(0)
        assert not window.close()  # the first close only starts the shutdown
        await done.wait()
        assert cancelled.is_set()
        assert not window.isVisible()
        window.deleteLater()  # destroyed while the loop still runs, as the fixtures do

    run(loop, scenario())
    settle(loop)
    assert closed == [1]


def test_shortcuts(loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]) -> None:
    window = make_window({"HF_TOKEN": "hf_x"})
    window.show_providers()
    act(loop, lambda: QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier))
    assert window.tabs.currentWidget() is window.chat
    act(loop, lambda: QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier))
    assert QApplication.focusWidget() is window.chat.sidebar.search or (
        window.chat.sidebar.search.hasFocus() or not window.isActiveWindow()
    )


def test_the_app_coroutine_opens_and_closes_cleanly(
    loop: qasync.QEventLoop, qapp: QApplication
) -> None:
    async def scenario() -> int:
        task = asyncio.get_running_loop().create_task(app.run_window(qapp))

        def window() -> MainWindow | None:
            for widget in qapp.topLevelWidgets():
                if isinstance(widget, MainWindow) and widget.isVisible():
                    return widget
            return None

        while window() is None:  # noqa: ASYNC110 (a window appearing signals nothing here)
            await asyncio.sleep(0.01)
        shown = window()
        assert shown is not None
        shown.close()
        return await task

    assert run(loop, scenario()) == 0
    until(loop, lambda: True)


def test_quitting_the_window_saves_the_breaker_book(
    loop: qasync.QEventLoop, qapp: QApplication
) -> None:
    key = HealthBook.key("groq", HF_CREDENTIAL)

    async def scenario() -> int:
        task = asyncio.get_running_loop().create_task(app.run_window(qapp))

        def windows() -> list[MainWindow]:
            return [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]

        while not windows() or not windows()[0].ready:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        window = windows()[0]
        # Groq answered 429 "retry after 10 minutes": its breaker opens, as the engine does.
        window.services.health.record(key, Outcome.RATE_LIMITED, retry_after_s=600)
        window.close()  # the person closes the window: the app quits
        return await task

    assert run(loop, scenario()) == 0
    # The next start reads the book back: Groq is still resting.
    book = HealthBook(AppPaths.default().health_file)
    assert not book.allows(key)
    assert book.open_until(key) > time.time() + 500
