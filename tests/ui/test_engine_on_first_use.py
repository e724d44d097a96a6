"""An idle window holds no engine (issue 8): made when a request is coming, in the pool.

The engine, its HTTP client and the certificate bundle are about 15 MiB and a tenth of a
second of imports; a window that sends nothing must not pay for them. Writing a question
makes them on a worker thread, so the first answer pays nothing on the GUI thread, and that
first request works like any other (against the loopback emulator). The module-level check
(``httpx2`` not even imported while idle) is in ``test_first_paint_imports``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import qasync

from desktop import services as services_module
from desktop.core.vocab import Status
from desktop.ui.main_window import MainWindow
from tests.emulator import HF_TOKEN, LLAMA_8B, Emulator
from tests.ui.conftest import act, settle, until

pytestmark = pytest.mark.gui


@pytest.fixture
def window(emulator: Emulator, make_window: Callable[..., MainWindow]) -> MainWindow:
    emulator.set_reply("Hello from {provider}.")
    return make_window(emulator.env() | {"HF_TOKEN": HF_TOKEN})


def test_an_idle_window_has_not_made_the_engine(
    loop: qasync.QEventLoop, window: MainWindow
) -> None:
    chat = window.chat  # the page in front, built with the window
    settle(loop)
    assert chat.isVisible()
    assert not window.services.engine_ready


def test_writing_a_question_makes_the_engine_off_the_gui_thread_and_the_answer_arrives(
    loop: qasync.QEventLoop, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_on: list[threading.Thread] = []
    real = services_module.make_http_client

    def recording() -> object:
        made_on.append(threading.current_thread())
        return real()

    monkeypatch.setattr(services_module, "make_http_client", recording)
    chat = window.chat
    chat.model_picker.set_current_model(LLAMA_8B)
    act(loop, lambda: chat.composer.prompt.insertPlainText("Say hello"))
    until(loop, lambda: window.services.engine_ready)
    assert made_on and made_on[0] is not threading.main_thread()

    act(loop, chat.send)
    until(loop, lambda: not chat.busy)
    answer = chat.view.widgets()[-1]
    assert answer.data.status == Status.COMPLETE
    assert answer.data.text == "Hello from groq."
    assert len(made_on) == 1  # one client for the whole run


def test_a_tab_shown_first_gets_its_engine_from_the_pool(
    loop: qasync.QEventLoop, window: MainWindow
) -> None:
    assert not window.services.engine_ready
    act(loop, lambda: window.tabs.setCurrentIndex(1))  # Images, which sends requests
    until(loop, lambda: window.built("images") is not None)
    assert window.services.engine_ready
    assert window.tabs.currentWidget() is window.images


def test_a_window_reopened_on_a_tab_that_sends_does_not_wait_for_the_engine(
    loop: qasync.QEventLoop, emulator: Emulator, make_window: Callable[..., MainWindow]
) -> None:
    """Quit on the Images tab, start again: that page comes to the front as a chosen tab does,
    its engine made in the pool, instead of being built at once and waiting for the engine on
    the GUI thread (a tenth of a second or more of a frozen window at every start)."""
    window = make_window(
        emulator.env() | {"HF_TOKEN": HF_TOKEN},
        prepare=lambda services: services.state.set("window.tab", "images"),
        settled=False,
    )
    assert window.tabs.currentIndex() == 1
    assert window.built("images") is None  # not built on the loop while the engine is made
    until(loop, lambda: window.built("images") is not None)
    assert window.services.engine_ready
    assert window.tabs.currentWidget() is window.images
