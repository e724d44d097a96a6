"""The model browser and its ties to every tab's model picker (issue 11).

The directory here is :class:`FakeDirectory` (answers the test controls, searches that can be
held open); everything else is the real window with real services on temporary folders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton
from shiboken6 import isValid

from desktop.core.chat_types import Attachment
from desktop.ui.main_window import MainWindow
from desktop.ui.models.browser import ModelBrowser
from desktop.ui.models.link import ModelLink
from desktop.ui.widgets.message_bar import MessageBar
from tests.emulator import HF_TOKEN, Emulator
from tests.emulator.media_models import FLUX_SCHNELL
from tests.ui.conftest import act, run, until
from tests.ui.model_fakes import FLUX, GEMMA_FREE, LLAMA, QWEN_VL, SDXL, WHISPER, FakeDirectory

pytestmark = pytest.mark.gui


@pytest.fixture
def fake() -> FakeDirectory:
    return FakeDirectory()


@pytest.fixture
def window(make_window: Callable[..., MainWindow], fake: FakeDirectory) -> MainWindow:
    window = make_window()
    window.services.models = fake  # type: ignore[assignment]
    return window


def open_browser(loop: qasync.QEventLoop, link: ModelLink) -> ModelBrowser:
    act(loop, link.button.click)
    until(loop, lambda: link.browser is not None and link.browser.isVisible())
    assert link.browser is not None
    return link.browser


def settled(loop: qasync.QEventLoop, browser: ModelBrowser, fake: FakeDirectory) -> None:
    """Wait until the search for what is typed now has answered."""
    until(loop, lambda: fake.finished and fake.finished[-1][1] == browser.query().text)
    until(loop, lambda: browser.status_label.text() == "")


def closed(browser: ModelBrowser) -> bool:
    """Gone from the screen (deleted once its task ended)."""
    return not isValid(browser) or not browser.isVisible()


def ids(browser: ModelBrowser) -> list[str]:
    return [m.id for m in browser.results.models()]


def link_of(window: MainWindow, page: str) -> ModelLink:
    link = getattr(window, page).model_picker.link
    assert link is not None
    return link


def test_typing_shows_models_of_the_tabs_task(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    browser = open_browser(loop, link_of(window, "images"))
    assert browser.task == "image"
    # What is known shows at once, before any search answered: the starter picks.
    assert ids(browser) == [FLUX.id]
    assert browser.results.headings() == ["Starter picks"]
    settled(loop, browser, fake)
    assert set(ids(browser)) == {FLUX.id, SDXL.id}
    assert browser.results.headings() == ["Starter picks", "Trending now"]

    act(loop, lambda: QTest.keyClicks(browser.search_field, "stable"))
    settled(loop, browser, fake)
    assert ids(browser) == [SDXL.id]
    assert fake.calls[-1] == ("image", "stable", None, "trending")
    assert "Stable Diffusion XL" in browser.details.toPlainText()
    assert "Nscale" in browser.details.toPlainText()

    act(loop, lambda: browser.set_task("chat"))  # another task: only its models
    settled(loop, browser, fake)
    assert ids(browser) == []
    assert browser.stack.currentWidget() is browser.empty_label
    assert "No chat models match “stable”" in browser.empty_label.text()


def test_a_newer_keystroke_supersedes_the_search_in_flight(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    fake.gate = asyncio.Event()
    browser = open_browser(loop, link_of(window, "images"))
    until(loop, lambda: len(fake.calls) == 1)
    act(loop, lambda: QTest.keyClicks(browser.search_field, "fl"))
    # Cached matches show while the search is held open: the window does not wait on it.
    assert ids(browser) == [FLUX.id]
    assert browser.status_label.text() == "Searching…"
    until(loop, lambda: len(fake.calls) == 2)
    assert fake.cancelled == 1  # the first search was cancelled, never more than one running
    assert fake.calls[-1][1] == "fl"  # keystrokes within the pause made one search, not two
    act(loop, lambda: QTest.keyClicks(browser.search_field, "ux"))
    until(loop, lambda: len(fake.calls) == 3)
    assert fake.cancelled == 2
    fake.gate.set()
    settled(loop, browser, fake)
    assert fake.finished == [("image", "flux", None, "trending")]
    assert ids(browser) == [FLUX.id]


def test_filters_and_sort_change_the_results(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    browser = open_browser(loop, link_of(window, "chat"))
    settled(loop, browser, fake)
    assert browser.images_box.isVisible()
    trending = browser.results.rows()
    assert [r.heading for r in trending if r.heading] == ["Starter picks", "Trending now"]
    assert ids(browser) == [LLAMA.id, QWEN_VL.id, GEMMA_FREE.id]

    act(loop, lambda: browser.sort_box.setCurrentIndex(browser.sort_box.findData("likes")))
    settled(loop, browser, fake)
    assert fake.calls[-1][3] == "likes"
    assert browser.results.headings() == ["Starter picks", "Most liked"]
    assert ids(browser) == [LLAMA.id, GEMMA_FREE.id, QWEN_VL.id]

    act(loop, lambda: browser.free_box.setChecked(True))
    assert ids(browser) == [GEMMA_FREE.id]
    act(loop, lambda: browser.free_box.setChecked(False))
    act(loop, lambda: browser.images_box.setChecked(True))
    assert ids(browser) == [QWEN_VL.id]
    act(loop, lambda: browser.images_box.setChecked(False))

    groq = browser.provider_box.findData("groq")
    assert groq > 0, "the user's chat providers are offered as filters"
    act(loop, lambda: browser.provider_box.setCurrentIndex(groq))
    settled(loop, browser, fake)
    assert fake.calls[-1] == ("chat", "", "groq", "likes")

    act(loop, lambda: browser.set_task("image"))
    assert not browser.images_box.isVisible()  # "reads images" is a chat filter


def test_use_this_model_fills_the_picker_and_closes(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    link = link_of(window, "images")
    browser = open_browser(loop, link)
    settled(loop, browser, fake)
    act(loop, lambda: browser.select_model(SDXL.id))
    act(loop, browser.use_button.click)
    until(loop, lambda: link.browser is None)
    assert closed(browser)
    assert window.images.model_picker.current_model() == SDXL.id


def test_a_picked_model_brings_back_its_provider_choice(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    page = window.chat
    link = link_of(window, "chat")
    groq = page.provider_picker.findData("groq")
    assert groq >= 0
    act(loop, lambda: page.provider_picker.setCurrentIndex(groq))
    assert link.allows(QWEN_VL.id, page.message_bar)  # sent once with "Only Groq"
    act(loop, lambda: page.provider_picker.set_policy("auto"))

    browser = open_browser(loop, link)
    settled(loop, browser, fake)
    assert browser.results.headings()[:1] == ["Recent"]
    assert ids(browser)[0] == QWEN_VL.id
    act(loop, lambda: QTest.keyClick(browser.search_field, Qt.Key.Key_Return))
    until(loop, lambda: link.browser is None)
    assert page.model_picker.current_model() == QWEN_VL.id
    assert page.provider_picker.current_policy() == "groq"


def test_keyboard_arrows_move_enter_picks_esc_closes(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    link = link_of(window, "chat")
    window.chat.model_picker.set_current_model("")
    browser = open_browser(loop, link)
    settled(loop, browser, fake)
    first = browser.selected_model()
    assert first is not None and first.id == LLAMA.id
    act(loop, lambda: QTest.keyClick(browser.search_field, Qt.Key.Key_Down))
    second = browser.selected_model()
    assert second is not None and second.id == QWEN_VL.id  # the heading row was skipped
    act(loop, lambda: QTest.keyClick(browser.search_field, Qt.Key.Key_Return))
    until(loop, lambda: link.browser is None)
    assert window.chat.model_picker.current_model() == QWEN_VL.id

    browser = open_browser(loop, link)
    act(loop, lambda: QTest.keyClick(browser, Qt.Key.Key_Escape))
    until(loop, lambda: link.browser is None)
    assert closed(browser)
    assert window.chat.model_picker.current_model() == QWEN_VL.id  # Esc changes nothing


def test_favourites_are_listed_first_and_kept(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    link = link_of(window, "images")
    browser = open_browser(loop, link)
    settled(loop, browser, fake)
    act(loop, lambda: browser.select_model(SDXL.id))
    act(loop, browser.star_button.click)
    assert browser.star_button.text() == "★ Favourite"
    assert browser.results.headings()[0] == "Favourites"
    assert ids(browser)[0] == SDXL.id
    act(loop, lambda: QTest.keyClick(browser, Qt.Key.Key_Escape))
    until(loop, lambda: link.browser is None)

    browser = open_browser(loop, link)
    assert browser.results.headings()[0] == "Favourites"
    assert ids(browser)[0] == SDXL.id
    assert fake.favourites("image")[0].model_id == SDXL.id


def test_offline_shows_a_calm_stale_note(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    fake.online = False
    browser = open_browser(loop, link_of(window, "speech"))
    settled(loop, browser, fake)
    assert browser.note_label.text() == "Offline: showing results from 3 hours ago."
    assert ids(browser) == [WHISPER.id]


def test_ctrl_k_opens_the_browser_on_the_current_tab(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    act(loop, lambda: window.tabs.setCurrentWidget(window.speech))
    act(loop, window.browse_models)
    link = link_of(window, "speech")
    until(loop, lambda: link.browser is not None and link.browser.isVisible())
    assert link.browser is not None and link.browser.task == "speech"
    act(loop, link.browser.reject)
    until(loop, lambda: link.browser is None)

    act(loop, lambda: window.tabs.setCurrentWidget(window.library))
    act(loop, window.browse_models)  # not a task tab: Chat's browser, on the Chat tab
    chat = link_of(window, "chat")
    until(loop, lambda: chat.browser is not None)
    assert window.tabs.currentWidget() is window.chat
    assert chat.browser is not None
    act(loop, chat.browser.reject)


def test_type_ahead_offers_known_models_by_name(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    picker = window.images.model_picker
    link = link_of(window, "images")
    line = picker.lineEdit()
    assert line is not None
    act(loop, line.clear)
    act(loop, lambda: QTest.keyClicks(line, "schnell"))
    assert link.suggestions.ids() == [FLUX.id]
    popup = link.completer.popup()
    assert popup is not None and popup.isVisible()
    shown = str(popup.model().index(0, 0).data())
    assert "FLUX.1 schnell" in shown and "fast pictures" in shown
    act(loop, lambda: popup.setCurrentIndex(popup.model().index(0, 0)))
    act(loop, lambda: QTest.keyClick(popup, Qt.Key.Key_Return))
    assert picker.current_model() == FLUX.id


# --- Before sending -----------------------------------------------------------------------


def choice(bar: MessageBar, text: str) -> QPushButton:
    """The bar's button that says ``text`` (a close match, or "Browse … models")."""
    found = [b for b in bar.choice_buttons if b.text() == text]
    assert found, f"no {text!r} among {[b.text() for b in bar.choice_buttons]}"
    return found[0]


def test_a_chat_model_in_images_is_flagged_with_a_browse_button(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    page = window.images
    act(loop, lambda: window.tabs.setCurrentWidget(page))
    page.model_picker.set_current_model(LLAMA.id)
    page.form.prompt.setPlainText("a lighthouse")
    act(loop, page.run)
    assert page.message_bar.isVisible()
    assert "This is a chat model; pick an image model." in page.message_bar.text_label.text()
    assert not page.busy
    act(loop, choice(page.message_bar, "Browse image models").click)
    link = link_of(window, "images")
    until(loop, lambda: link.browser is not None and link.browser.isVisible())
    assert link.browser is not None and link.browser.task == "image"
    act(loop, link.browser.reject)
    until(loop, lambda: link.browser is None)
    # Told once: the same model goes through the check the second time.
    assert link.allows(LLAMA.id, page.message_bar)


def test_an_image_for_a_model_that_cannot_read_images_is_flagged(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory, tmp_path: object
) -> None:
    page = window.chat
    page.model_picker.set_current_model(LLAMA.id)
    page.composer.set_text("what is in this picture?")
    page.composer.add_attachment(Attachment(path="/nowhere/cat.png", mime="image/png"))
    act(loop, page.send)
    assert not page.busy
    assert page.message_bar.isVisible()
    assert "does not read images" in page.message_bar.text_label.text()
    assert page.composer.text() == "what is in this picture?"  # nothing was sent or lost
    act(loop, choice(page.message_bar, "Browse models that read images").click)
    link = link_of(window, "chat")
    until(loop, lambda: link.browser is not None and link.browser.isVisible())
    browser = link.browser
    assert browser is not None and browser.images_box.isChecked()
    settled(loop, browser, fake)
    assert ids(browser) == [QWEN_VL.id]
    act(loop, browser.use_button.click)
    until(loop, lambda: link.browser is None)
    assert page.model_picker.current_model() == QWEN_VL.id


def test_a_misspelt_id_offers_close_matches(
    loop: qasync.QEventLoop, window: MainWindow, fake: FakeDirectory
) -> None:
    page = window.speech
    link = link_of(window, "speech")
    assert not link.allows("openai/whisper-larg-v3", page.message_bar)
    text = page.message_bar.text_label.text()
    assert "There is no model called openai/whisper-larg-v3." in text
    assert choice(page.message_bar, "Browse speech models").isVisibleTo(page.message_bar)
    act(loop, choice(page.message_bar, WHISPER.id).click)
    assert page.model_picker.current_model() == WHISPER.id
    assert not page.message_bar.isVisible()
    assert link.allows(WHISPER.id, page.message_bar)
    assert fake.recents("speech")[0].model_id == WHISPER.id  # a model sent with is recent


# --- With the real directory ----------------------------------------------------------------


def wait_for_search(loop: qasync.QEventLoop, browser: ModelBrowser) -> None:
    """The real directory: wait until the search started on opening has answered."""
    until(loop, lambda: browser.searches > 0 and browser.status_label.text() == "")


def test_real_directory_lists_served_image_models_and_picks_one(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], emulator: Emulator
) -> None:
    window = make_window(emulator.env() | {"HF_TOKEN": HF_TOKEN})
    link = link_of(window, "images")
    browser = open_browser(loop, link)
    wait_for_search(loop, browser)
    assert FLUX_SCHNELL in ids(browser)
    assert all(m.task == "image" for m in browser.results.models())
    assert browser.note_label.text() == ""
    act(loop, lambda: browser.select_model(FLUX_SCHNELL))
    model = browser.selected_model()
    assert model is not None and model.offers, "who serves it is shown"
    assert model.offers[0].label in browser.details.toPlainText()
    act(loop, lambda: QTest.keyClick(browser.search_field, Qt.Key.Key_Return))
    until(loop, lambda: link.browser is None)
    assert window.images.model_picker.current_model() == FLUX_SCHNELL


def test_real_directory_offline_offers_starter_picks_with_a_note(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    nowhere = Emulator.closed_url()
    window = make_window({"HF_ENDPOINT": nowhere, "SWITCHBOARD_ROUTER_URL": nowhere})
    browser = open_browser(loop, link_of(window, "video"))
    wait_for_search(loop, browser)
    assert browser.note_label.text().startswith("Offline")
    assert browser.results.headings()[0] == "Starter picks"
    models = browser.results.models()
    assert len(models) >= 3 and all(m.summary for m in models)  # real choices, in plain words


def test_real_directory_keeps_favourites_for_the_next_start(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    nowhere = Emulator.closed_url()
    env = {"HF_ENDPOINT": nowhere, "SWITCHBOARD_ROUTER_URL": nowhere}
    window = make_window(env)
    link = link_of(window, "speech")
    browser = open_browser(loop, link)
    wait_for_search(loop, browser)
    chosen = browser.results.models()[-1]
    act(loop, lambda: browser.select_model(chosen.id))
    act(loop, browser.star_button.click)
    act(loop, browser.reject)
    until(loop, lambda: link.browser is None)
    run(loop, window.shutdown())

    again = make_window(env)  # a new start on the same folders
    browser = open_browser(loop, link_of(again, "speech"))
    assert browser.results.headings()[0] == "Favourites"
    assert ids(browser)[0] == chosen.id
    act(loop, browser.reject)


def test_real_checks_before_sending_in_three_tabs(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    nowhere = Emulator.closed_url()
    window = make_window({"HF_ENDPOINT": nowhere, "SWITCHBOARD_ROUTER_URL": nowhere})
    images = window.images
    images.model_picker.set_current_model("meta-llama/Llama-3.1-8B-Instruct")
    images.form.prompt.setPlainText("a lighthouse")
    act(loop, images.run)
    assert not images.busy
    assert "This is a chat model; pick an image model." in images.message_bar.text_label.text()
    assert choice(images.message_bar, "Browse image models").isVisibleTo(images.message_bar)

    speech = window.speech
    assert not link_of(window, "speech").allows("openai/whisper-larg-v3", speech.message_bar)
    assert choice(speech.message_bar, "openai/whisper-large-v3") is not None

    chat = window.chat
    chat.model_picker.set_current_model("meta-llama/Llama-3.1-8B-Instruct")
    chat.composer.set_text("what is this?")
    chat.composer.add_attachment(Attachment(path="/nowhere/cat.png", mime="image/png"))
    act(loop, chat.send)
    assert not chat.busy
    assert "does not read images" in chat.message_bar.text_label.text()
