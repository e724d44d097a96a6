"""One error funnel, every page: an engine error shows in the page's one message bar with the
right fix button, and that button does what it says, in the real window against the emulator.

Add a token → the Providers tab opens on the token field; Try again → the same request goes
out again; Use another provider → the provider picker opens; an unexpected error anywhere →
one sentence in the page in front, with its details one click away (never on screen).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtGui import QGuiApplication

from desktop.core.table import provider_label
from desktop.ui.errors import UNEXPECTED, ErrorReporter
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.message_bar import ERROR, MessageBar
from tests.emulator import HF_TOKEN, LLAMA_8B, Emulator
from tests.emulator.jobs import WAN_T2V
from tests.emulator.media import wav_bytes
from tests.emulator.media_models import BGE_SMALL, FLUX_SCHNELL
from tests.fast_polls import FAST_POLL
from tests.ui.conftest import act, until
from tests.ui.media_helpers import FAST

pytestmark = pytest.mark.gui

TEXTS = ["the cat sat on the mat", "stock markets fell sharply"]


def open_window(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], env: dict[str, str]
) -> MainWindow:
    window = make_window(env)
    window.services.engine.deadlines = FAST
    act(loop, window.activateWindow)  # focus moves as it would for a person
    return window


def shows(bar: MessageBar, words: str, button: str) -> Callable[[], bool]:
    """The bar says ``words`` (as an error) and offers ``button``."""
    return lambda: (
        bar.isVisible()
        and words in bar.text_label.text()
        and bar.kind == ERROR
        and bar.action_button.isVisible()
        and bar.action_button.text() == button
    )


def assert_token_field_in_front(loop: qasync.QEventLoop, window: MainWindow) -> None:
    until(loop, lambda: window.tabs.currentWidget() is window.providers)
    field = window.providers.token_row.field
    until(loop, field.hasFocus)


# --- Add a token ----------------------------------------------------------------------------


def test_chat_without_a_token_offers_add_a_token(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], emulator: Emulator
) -> None:
    window = open_window(loop, make_window, emulator.env())
    chat = window.chat
    chat.model_picker.set_current_model(LLAMA_8B)
    chat.composer.set_text("hello")
    chat.send()  # outside the loop, as a person's click: the work starts in the next wait
    until(loop, lambda: len(chat.view.widgets()) == 2 and not chat.busy)
    # The failed answer carries the bar (the same widget, fixed under the message).
    bar = chat.view.widgets()[-1].status_bar
    until(loop, shows(bar, "no Hugging Face token", "Add a token"))
    assert not chat.message_bar.isVisible()
    bar.action_button.click()
    assert_token_field_in_front(loop, window)


@pytest.mark.parametrize(
    ("tab", "model", "prompt", "words"),
    [
        ("images", FLUX_SCHNELL, "a lighthouse at dusk", "no Hugging Face token"),
        ("video", WAN_T2V, "a red fox running through fresh snow", "Hugging Face token"),
    ],
)
def test_media_tabs_without_a_token_offer_add_a_token(
    loop: qasync.QEventLoop,
    make_window: Callable[..., MainWindow],
    emulator: Emulator,
    tab: str,
    model: str,
    prompt: str,
    words: str,
) -> None:
    window = open_window(loop, make_window, emulator.env())
    page = getattr(window, tab)
    window.tabs.setCurrentWidget(page)
    page.model_picker.set_current_model(model)
    page.form.prompt.setPlainText(prompt)
    page.run()
    until(loop, shows(page.message_bar, words, "Add a token"))
    page.message_bar.action_button.click()
    assert_token_field_in_front(loop, window)


# --- Use another provider -------------------------------------------------------------------


def test_a_refused_picture_offers_providers_that_serve_the_model_and_resends(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], emulator: Emulator
) -> None:
    window = open_window(loop, make_window, emulator.env() | {"HF_TOKEN": HF_TOKEN})
    window.services.settings.set_order(["fal-ai", "together", "replicate"])
    emulator.fault("fal-ai", "content_policy")
    page = window.images
    window.tabs.setCurrentWidget(page)
    page.model_picker.set_current_model(FLUX_SCHNELL)
    page.form.prompt.setPlainText("something a provider refuses")
    page.form.set_size(96, 64)
    page.run()
    until(loop, shows(page.message_bar, "", "Use another provider"))
    assert page.model.rowCount() == 0  # nothing was made
    page.message_bar.action_button.click()
    offered = [b.text() for b in page.message_bar.choice_buttons]
    mapping = window.services.catalog.cached(FLUX_SCHNELL)
    assert mapping is not None
    serving = {provider_label(m.provider) for m in mapping}
    assert offered and "fal" not in offered  # not the one that refused
    assert set(offered) <= serving  # only providers that serve this model
    assert set(offered) < {provider_label(p) for p in page.policy_picker.providers()}
    together = next(b for b in page.message_bar.choice_buttons if b.text() == "Together AI")
    together.click()  # sent at once, to Together AI only
    until(loop, lambda: page.model.rowCount() == 1 and not page.busy)
    picture = page.result.picture
    assert picture is not None and picture.provider == "together"
    assert page.policy_picker.current_policy() == "auto"  # a one-off, not a pin


# --- Try again ------------------------------------------------------------------------------


def test_speech_failing_everywhere_then_try_again_transcribes(
    loop: qasync.QEventLoop,
    make_window: Callable[..., MainWindow],
    emulator: Emulator,
    tmp_path: Path,
) -> None:
    window = open_window(loop, make_window, emulator.env() | {"HF_TOKEN": HF_TOKEN})
    window.services.speech.poll = FAST_POLL
    window.services.settings.set_order(["fal-ai", "hf-inference", "replicate"])
    for provider in ("fal-ai", "hf-inference", "replicate"):
        emulator.fault(provider, "status", status=503)
    page = window.speech
    window.tabs.setCurrentWidget(page)
    audio = tmp_path / "hello.wav"
    audio.write_bytes(wav_bytes(1.0))
    act(loop, lambda: page.open_audio(audio))
    until(loop, lambda: page.audio_path == audio)
    page.run_button.click()
    until(loop, shows(page.message_bar, "server problem", "Try again"))
    assert page.editor.plain_text() == ""

    emulator.clear_faults()
    page.message_bar.action_button.click()
    until(loop, lambda: page.editor.plain_text() != "" and not page.busy)
    assert not page.message_bar.isVisible()


def test_embeddings_failing_everywhere_then_try_again_computes(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], emulator: Emulator
) -> None:
    window = open_window(loop, make_window, emulator.env() | {"HF_TOKEN": HF_TOKEN})
    order = ["hf-inference", "together", "nebius", "sambanova"]
    window.services.settings.set_order(order)
    for provider in order:
        emulator.fault(provider, "status", status=503)
    page = window.embeddings
    window.tabs.setCurrentWidget(page)
    page.set_texts(TEXTS)
    page.model_picker.set_current_model(BGE_SMALL)
    page.run_button.click()
    until(loop, shows(page.message_bar, "server problem", "Try again"))
    assert page.texts == []

    emulator.clear_faults()
    page.message_bar.action_button.click()
    until(loop, lambda: page.texts == TEXTS and not page.busy)
    assert not page.message_bar.isVisible()


# --- Unexpected errors ----------------------------------------------------------------------


@pytest.fixture
def reporter(monkeypatch: pytest.MonkeyPatch) -> ErrorReporter:
    """The app's funnel, installed as ``sys.excepthook`` for the test."""
    funnel = ErrorReporter()
    monkeypatch.setattr(sys, "excepthook", funnel.excepthook)
    return funnel


def test_a_library_storage_failure_is_one_sentence_with_its_details_to_copy(
    loop: qasync.QEventLoop,
    make_window: Callable[..., MainWindow],
    reporter: ErrorReporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window(loop, make_window, {})

    def locked(*_args: Any, **_kwargs: Any) -> Any:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(window.services.history, "list_generations", locked)
    bar = window.library.message_bar
    act(loop, lambda: window.tabs.setCurrentWidget(window.library))  # the Library reloads
    until(loop, shows(bar, UNEXPECTED, "Copy details"))
    assert "locked" not in bar.text_label.text()  # the details never reach the screen
    bar.action_button.click()
    assert "sqlite3.OperationalError: database is locked" in QGuiApplication.clipboard().text()


def test_a_providers_page_failure_shows_in_its_own_bar(
    loop: qasync.QEventLoop,
    make_window: Callable[..., MainWindow],
    reporter: ErrorReporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window(loop, make_window, {})
    window.show_providers()
    page = window.providers

    def full_disk(_settings: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(window.services.settings_store, "save", full_disk)
    page.select_provider(window.services.settings.provider_order[0])
    page.down_button.click()  # the new order cannot be written
    until(loop, shows(page.message_bar, UNEXPECTED, "Copy details"))
    assert [type(e) for e in reporter.reported] == [OSError]
    assert "No space left" not in page.message_bar.text_label.text()


def test_a_video_job_that_breaks_reaches_the_funnel_once(
    loop: qasync.QEventLoop,
    make_window: Callable[..., MainWindow],
    emulator: Emulator,
    reporter: ErrorReporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window(loop, make_window, emulator.env() | {"HF_TOKEN": HF_TOKEN})
    page = window.video
    window.tabs.setCurrentWidget(page)

    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyError("job_id")  # a bug in the job code, not a provider failure

    monkeypatch.setattr(window.services.video, "generate", broken)
    page.model_picker.set_current_model(WAN_T2V)
    page.form.prompt.setPlainText("a red fox running through fresh snow")
    page.run()
    until(loop, shows(page.message_bar, UNEXPECTED, "Copy details"))
    until(loop, lambda: not page.busy and not page.jobs.cards())
    assert [type(e) for e in reporter.reported] == [KeyError]  # once, not lost in the log
