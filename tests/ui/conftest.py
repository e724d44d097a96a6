"""UI test fixtures: a qasync loop per test, services on temporary folders, the main window.

pytest-qt does not integrate qasync (pytest-dev/pytest-qt#448), so each test gets its own
``QEventLoop`` (modelled on qasync's own tests): async UI code is driven with
``loop.run_until_complete`` and :func:`until`, which runs the loop until a condition holds.
Loop exception-handler reports fail the test instead of vanishing into a log.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Coroutine, Generator, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from desktop.services import Services
from desktop.store.paths import AppPaths
from desktop.ui.main_window import MainWindow

T = TypeVar("T")


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A fresh qasync loop, current for the test, closed (tasks cancelled) afterwards."""
    # No automatic collection during the test: it may run on any thread (the emulator's, the
    # pool's), and Python-owned QObjects destroyed off the GUI thread leave dangling Qt
    # timers behind (a crash in a later test). Garbage is collected at teardown, here.
    gc.collect()
    gc.disable()
    qapp.setQuitOnLastWindowClosed(False)  # as in the app: closing a dialog must not quit
    event_loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    problems: list[dict[str, Any]] = []
    event_loop.set_exception_handler(lambda _loop, context: problems.append(context))
    try:
        yield event_loop
    finally:
        pending = [t for t in asyncio.all_tasks(event_loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            event_loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        event_loop.close()
        asyncio.set_event_loop(None)
        gc.collect()
        gc.enable()
    if problems:
        pytest.fail(f"event loop reported: {problems!r}")


def run(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
    """Run ``coro`` on the test loop (with a timeout, so a hang fails instead of freezing)."""
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def until(
    loop: asyncio.AbstractEventLoop, condition: Callable[[], object], timeout: float = 10
) -> None:
    """Run the loop (Qt events and asyncio tasks) until ``condition()`` is true."""

    async def poll() -> None:
        # Polling on purpose: the conditions are widget states, which signal nothing.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    try:
        run(loop, poll(), timeout)
    except TimeoutError:
        pytest.fail(f"condition not met within {timeout} s: {condition}")


def settle(loop: asyncio.AbstractEventLoop, timeout: float = 5) -> None:
    """Run the loop until no task is left (or ``timeout``): quiet before pytest-qt pumps events.

    pytest-qt processes Qt events after each test phase, outside the asyncio loop; with qasync
    that would step pending tasks where no loop is running.
    """

    async def idle() -> None:
        me = asyncio.current_task()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while pending := [t for t in asyncio.all_tasks() if t is not me and not t.done()]:
                    await asyncio.wait(pending)

    loop.run_until_complete(idle())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Let the test's asyncio work finish inside the loop before pytest-qt's event pump."""
    try:
        return (yield)
    finally:
        funcargs = getattr(item, "funcargs", {})
        event_loop = funcargs.get("loop")
        if isinstance(event_loop, asyncio.AbstractEventLoop) and not event_loop.is_closed():
            settle(event_loop)


def act(loop: asyncio.AbstractEventLoop, action: Callable[[], T]) -> T:
    """Do ``action`` (a click, a key press) while the loop runs, as a real user event would.

    Synthesised input can make Qt process pending events; with qasync those include asyncio
    callbacks, which must run inside the running loop.
    """

    async def inside() -> T:
        return action()

    return run(loop, inside())


@pytest.fixture
def app_paths(tmp_path: Path) -> AppPaths:
    return AppPaths(
        data_dir=tmp_path / "data", config_dir=tmp_path / "config", cache_dir=tmp_path / "cache"
    )


@pytest.fixture
def open_services(
    loop: qasync.QEventLoop, app_paths: AppPaths
) -> Iterator[Callable[..., Services]]:
    """``open_services(env)`` opens Services on the test folders; all are closed after."""
    opened: list[Services] = []

    def factory(env: Mapping[str, str] | None = None) -> Services:
        services = run(loop, Services.open(paths=app_paths, env=dict(env or {})))
        opened.append(services)
        return services

    yield factory
    for services in opened:
        loop.run_until_complete(services.aclose())


@pytest.fixture
def make_window(
    loop: qasync.QEventLoop, open_services: Callable[..., Services]
) -> Iterator[Callable[..., MainWindow]]:
    """``make_window(env)``: a shown main window; shut down properly after the test."""
    windows: list[MainWindow] = []

    def factory(env: Mapping[str, str] | None = None) -> MainWindow:
        services = open_services(env)

        async def build() -> MainWindow:  # as in the app: widgets start tasks on a running loop
            window = MainWindow(services)
            window.resize(1100, 760)
            window.show()
            return window

        window = run(loop, build())
        settle(loop)
        windows.append(window)
        return window

    yield factory
    for window in windows:
        if not window.isHidden():
            run(loop, window.shutdown())
    windows.clear()
    gc.collect()  # on the GUI thread, see ``loop``
