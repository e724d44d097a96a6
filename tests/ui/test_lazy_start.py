"""A window that opens at once (issue 8): pages built when first shown, the keyring not waited on.

Behaviour, not timing (tests/bench measures start-up): which pages exist before they are
shown, that a page built late is wired like one built early, and that the window appears and
answers while the keyring still waits for an unlock.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import keyring
import pytest
import qasync
from PySide6.QtWidgets import QApplication

from desktop import app
from desktop.core.table import HF_CREDENTIAL
from desktop.store.secrets import SERVICE
from desktop.ui.main_window import MainWindow
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import act, run, until

pytestmark = pytest.mark.gui


def test_only_chat_is_built_with_the_window(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({})
    for name in ("images", "video", "speech", "embeddings", "library", "providers"):
        assert window.built(name) is None, name
    assert window.tabs.tabText(1) == "Images"
    act(loop, lambda: window.tabs.setCurrentIndex(1))
    # Built once the engine is made in the pool (a fraction of a second after the switch).
    until(loop, lambda: window.built("images") is not None)
    images = window.built("images")
    assert images is not None
    assert window.tabs.currentWidget() is images and images.isVisible()
    assert window.images is images
    assert window.built("video") is None  # showing one page builds no other


def test_a_page_built_late_is_wired_like_the_others(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({})
    act(loop, lambda: window.tabs.setCurrentIndex(2))  # Video
    # Its "add a token" button opens the Providers page, built on that first request.
    act(loop, lambda: window.video.providers_requested.emit(""))
    assert window.built("providers") is not None
    assert window.tabs.currentWidget() is window.providers
    # A page built on first use takes part in the window's state like one built at start.
    run(loop, window.shutdown())
    assert window.services.state.get_str("window.tab") == "providers"


class WaitingKeyring(MemoryKeyring):
    """A keyring that blocks every read until ``unlock`` is set (an unlock prompt is open)."""

    def __init__(self) -> None:
        super().__init__()
        self.unlock = threading.Event()
        self.asked = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.asked.set()
        self.unlock.wait(timeout=30)
        return super().get_password(service, username)


@pytest.fixture
def waiting_keyring() -> Iterator[WaitingKeyring]:
    previous = keyring.get_keyring()
    backend = WaitingKeyring()
    backend.set_password(SERVICE, HF_CREDENTIAL, "hf_from_keyring")
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        backend.unlock.set()
        keyring.set_keyring(previous)


def test_the_window_appears_while_the_keyring_waits_for_an_unlock(
    loop: qasync.QEventLoop,
    qapp: QApplication,
    waiting_keyring: WaitingKeyring,
) -> None:
    async def scenario() -> int:
        task = asyncio.get_running_loop().create_task(app.run_window(qapp))

        def window() -> MainWindow | None:
            for widget in qapp.topLevelWidgets():
                if isinstance(widget, MainWindow) and widget.isVisible() and widget.ready:
                    return widget
            return None

        while window() is None:  # noqa: ASYNC110 (a window appearing signals nothing here)
            await asyncio.sleep(0.01)
        shown = window()
        assert shown is not None
        # The keyring is read on its own thread, which a busy machine may start a little after
        # the window appears: wait for the read to begin (it then blocks until the unlock).
        assert await asyncio.to_thread(waiting_keyring.asked.wait, 10)
        assert not waiting_keyring.unlock.is_set()
        credentials = shown.services.credentials
        assert not credentials.loaded
        # Nothing claims a first launch while the keyring is still closed.
        assert not shown.chat.empty.showing_first_launch
        waiting_keyring.unlock.set()
        await credentials.ready()
        assert credentials.loaded and credentials.hf_token() == "hf_from_keyring"
        assert not shown.chat.empty.showing_first_launch
        shown.close()
        return await task

    assert run(loop, scenario(), timeout=30) == 0
    until(loop, lambda: True)


@pytest.fixture
def held_services(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """The services open only once the returned event is set (a slow disk, a busy machine)."""
    from desktop.ui import startup

    release = asyncio.Event()
    real_open = startup.open_or_ask

    async def held(*args: Any, **kwargs: Any) -> startup.Opened | None:
        await release.wait()
        return await real_open(*args, **kwargs)

    monkeypatch.setattr(startup, "open_or_ask", held)
    return release


def visible_window(qapp: QApplication) -> MainWindow | None:
    for widget in qapp.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            return widget
    return None


def test_the_window_paints_first_and_its_page_arrives_with_the_services(
    loop: qasync.QEventLoop, qapp: QApplication, held_services: asyncio.Event
) -> None:
    async def scenario() -> int:
        task = asyncio.get_running_loop().create_task(app.run_window(qapp))
        while visible_window(qapp) is None:  # noqa: ASYNC110 (a window appearing signals nothing)
            await asyncio.sleep(0.01)
        window = visible_window(qapp)
        assert window is not None
        while not window.painted:  # noqa: ASYNC110 (it paints while the services are held)
            await asyncio.sleep(0.01)
        # The frame and every tab are there; no page is built before its services.
        assert not window.ready and window.built("chat") is None
        assert window.tabs.count() == 7 and window.tabs.tabText(0) == "Chat"
        held_services.set()
        while not window.ready:  # noqa: ASYNC110 (attach() has no signal of its own)
            await asyncio.sleep(0.01)
        assert window.tabs.currentWidget() is window.chat and window.chat.isVisible()
        assert window.chat.composer.isEnabled()
        window.close()
        return await task

    assert run(loop, scenario(), timeout=30) == 0
    until(loop, lambda: True)


def test_closing_the_window_before_its_services_arrive_quits_cleanly(
    loop: qasync.QEventLoop, qapp: QApplication, held_services: asyncio.Event
) -> None:
    async def scenario() -> int:
        task = asyncio.get_running_loop().create_task(app.run_window(qapp))
        while visible_window(qapp) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        window = visible_window(qapp)
        assert window is not None and not window.ready
        window.close()
        assert not window.isVisible()
        held_services.set()  # they open, see the window gone, and close again
        return await task

    assert run(loop, scenario(), timeout=30) == 0
    until(loop, lambda: True)
