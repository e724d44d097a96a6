"""UI test fixtures: a qasync loop per test, services on temporary folders, the main window.

pytest-qt does not integrate qasync (pytest-dev/pytest-qt#448), so each test gets its own
``QEventLoop`` (modelled on qasync's own tests): async UI code is driven with :func:`run`
and :func:`until` (which runs the loop until a condition holds), both bounded by a timeout
and both built on :func:`drive`, never on qasync's ``run_until_complete`` (see there).
Loop exception-handler reports fail the test instead of vanishing into a log, and so do
tasks that do not end when cancelled at teardown (with their stacks), so a lost wakeup is a
failure, never a hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
from collections.abc import Callable, Coroutine, Generator, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
import shiboken6
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget

from desktop.services import Services
from desktop.store.paths import AppPaths
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.file_actions import hand_over_clipboard

T = TypeVar("T")


_GRAVEYARD: list[QWidget] = []
"""Leaked windows of failed tests, kept hidden until the session ends."""


@pytest.fixture(autouse=True)
def no_leaked_windows(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a top-level widget alive once its windows were shut down.

    Autouse, so it is set up before and torn down after every other fixture of the test
    (the window, the pages, the loop): what is alive then outlived its owner. A leaked
    window keeps its page, services and timers alive and runs into later tests.
    """
    before = top_level_addresses(qapp)
    yield
    leaked = leaked_windows(qapp, before)
    if leaked:
        names = sorted(type(w).__name__ for w in leaked)
        for widget in leaked:  # so the next test starts clean: hidden, and kept, because
            widget.hide()  # destroying it now, with no loop left, can crash Qt
            _GRAVEYARD.append(widget)
        pytest.fail(f"top-level widgets still alive after the test: {', '.join(names)}")


def top_level_addresses(qapp: QApplication) -> set[int]:
    return {_address(w) for w in qapp.topLevelWidgets()}


def leaked_windows(qapp: QApplication, before: set[int]) -> list[QWidget]:
    """Parentless top-level widgets alive now that were not in ``before`` (after pending
    ``deleteLater`` calls and, only when some are found, a garbage collection had their
    chance: a full collection per test would double the UI suite's teardown time)."""

    def new_windows() -> list[QWidget]:
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        return [
            w
            for w in qapp.topLevelWidgets()
            if _address(w) not in before and w.parentWidget() is None
        ]

    if not new_windows():  # the list (and its references) is dropped before collecting
        return []
    gc.collect()  # a window kept only by a reference cycle is not a leak
    return new_windows()


def _address(widget: QWidget) -> int:
    return int(shiboken6.getCppPointer(widget)[0])


@pytest.fixture(scope="session", autouse=True)
def _clipboard_handed_over() -> Iterator[None]:
    """After the last UI test, hand a copied picture to Qt, as the app does when it quits;
    otherwise Qt deletes Python-made clipboard data after the interpreter is gone and the
    test run ends in a segmentation fault (see tests/ui/test_clean_quit.py)."""
    yield
    hand_over_clipboard()


TEARDOWN_S = 5.0
"""How long the loop fixture waits for cancelled tasks before it reports them as stuck."""


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A fresh qasync loop, current for the test, closed (tasks cancelled) afterwards.

    Teardown is bounded: tasks still unfinished ``TEARDOWN_S`` seconds after being cancelled
    fail the test with their stacks (and whatever the loop's exception handler saw), instead
    of waiting for them forever.
    """
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
    stuck: list[asyncio.Task[Any]] = []
    try:
        yield event_loop
    finally:
        stuck = cancel_and_wait(event_loop, TEARDOWN_S)
        # Garbage (windows kept alive only by reference cycles) is destroyed while the loop
        # still exists: Qt objects torn down after qasync closed its loop crashed Qt.
        gc.collect()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        event_loop.close()
        asyncio.set_event_loop(None)
        gc.collect()
        gc.enable()
    if stuck:
        pytest.fail(
            f"{len(stuck)} task(s) did not finish within {TEARDOWN_S} s of being cancelled:\n"
            + describe_tasks(stuck)
            + (f"\nevent loop reported: {problems!r}" if problems else "")
        )
    if problems:
        pytest.fail(f"event loop reported: {problems!r}")


def cancel_and_wait(loop: asyncio.AbstractEventLoop, timeout: float) -> list[asyncio.Task[Any]]:
    """Cancel every unfinished task of ``loop`` and run it until they end or ``timeout``
    passes; the tasks still unfinished then (a lost wakeup, a swallowed cancel)."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if not pending:
        return []

    async def wait() -> None:
        await asyncio.wait(pending, timeout=timeout)

    drive(loop, wait(), None)  # bounded inside
    return [t for t in pending if not t.done()]


def describe_tasks(tasks: Iterable[asyncio.Task[Any]]) -> str:
    """Each task with the stack of the coroutine where it waits."""
    parts = []
    for task in tasks:
        out = io.StringIO()
        task.print_stack(file=out)
        parts.append(out.getvalue())
    return "\n".join(parts)


def drive(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], timeout: float | None = 10
) -> T:
    """Run ``coro`` on the loop (with a timeout) without qasync's loop-less final pass.

    qasync's ``run_until_complete`` processes pending Qt events once more after the loop has
    stopped, with *no running asyncio loop*: a task step that lands there fails or is lost.
    Stopping the loop from the future's done callback ends the run without that pass; steps
    still pending simply run at the next drive, inside the loop.
    """
    wrapped = coro if timeout is None else asyncio.wait_for(coro, timeout)
    future = asyncio.ensure_future(wrapped, loop=loop)
    future.add_done_callback(lambda _f: loop.stop())
    loop.run_forever()
    if not future.done():  # something else stopped the loop (a test timeout)
        future.cancel()
        raise RuntimeError("the event loop stopped before the work finished")
    return future.result()


def run(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
    """Run ``coro`` on the test loop (with a timeout, so a hang fails instead of freezing)."""
    return drive(loop, coro, timeout)


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

    drive(loop, idle(), None)  # bounded inside; a wrapper task would wait on itself


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


async def outside_tasks(action: Callable[[], T]) -> T:
    """Call ``action`` from a plain callback of the running loop, with no task current.

    Why: synthesised input makes Qt process events on the spot (``QTest.mouseMove`` fires due
    timers, ``qWait`` spins the loop), and with qasync those events include the steps of
    other tasks. Run inside a task step, each such nested step fails to start ("Cannot enter
    into task … while another task is being executed") and its wakeup is gone: the task
    never runs again. As a plain callback, as a real user event is, nested steps just run.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def call() -> None:
        try:
            result = action()
        except BaseException as exc:
            if not done.done():
                done.set_exception(exc)
        else:
            if not done.done():
                done.set_result(result)

    handle = loop.call_soon(call)
    try:
        return await done
    finally:
        handle.cancel()  # timed out before it ran: the action must not run later


def act(loop: asyncio.AbstractEventLoop, action: Callable[[], T]) -> T:
    """Do ``action`` (a click, a key press) while the loop runs, as a real user event would:
    inside the running loop (nested callbacks find it) and outside any task (nested task
    steps can start; see :func:`outside_tasks`)."""
    return run(loop, outside_tasks(action))


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
        run(loop, services.aclose())


@pytest.fixture
def make_window(
    loop: qasync.QEventLoop, open_services: Callable[..., Services]
) -> Iterator[Callable[..., MainWindow]]:
    """``make_window(env)``: a shown main window; shut down properly after the test.

    ``prepare(services)`` runs before the window is made (saved state, trace callbacks);
    ``settled=False`` returns it as it first shows, its start-up work still running."""
    windows: list[MainWindow] = []

    def factory(
        env: Mapping[str, str] | None = None,
        *,
        prepare: Callable[[Services], object] | None = None,
        settled: bool = True,
    ) -> MainWindow:
        services = open_services(env)
        if prepare is not None:
            prepare(services)

        async def build() -> MainWindow:  # as in the app: widgets start tasks on a running loop
            window = MainWindow(services)
            window.resize(1100, 760)
            window.show()
            return window

        window = run(loop, build())
        windows.append(window)
        if settled:
            settle(loop)
        return window

    yield factory
    for window in windows:
        if not shiboken6.isValid(window):
            continue
        if not window.isHidden():
            run(loop, window.shutdown())
        window.deleteLater()
    windows.clear()
    gc.collect()  # on the GUI thread, see ``loop``
