"""The Library beyond what was made (issue 12): chats listed and searched beside pictures,
opened in the Chat tab; failed attempts hidden unless asked for (remembered); "Show file"
without a file manager offers the path; picture sizes are the real ones."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
import qasync
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon

from desktop.core.table import Task
from desktop.services import Services
from desktop.ui.library import LibraryPage
from desktop.ui.library.page import SHOW_FAILED_KEY
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.generation_list import NOTHING_MADE, kind_icon
from desktop.ui.widgets.two_line_delegate import SECONDARY_ROLE
from tests.ui.conftest import settle
from tests.ui.page_helpers import build_page_fixture, wait_until  # noqa: F401 (fixtures)

CHAT_TITLE = "Tide tables for Brest"
FIRST_QUESTION = "When is   high tide\nin Brest tomorrow?"
PICTURE_PROMPT = "a lighthouse at dusk"
FAILED_PROMPT = "a lighthouse in thick fog"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


def fill(services: Services) -> dict[str, int]:
    """A chat, a picture the provider made 120 × 80 when 128 × 128 was asked, a failure."""
    history = services.history
    picture = services.media.put(png(120, 80), ".png")
    ids = {
        "picture": history.add_generation(
            Task.TEXT_TO_IMAGE.value,
            prompt=PICTURE_PROMPT,
            model="black-forest-labs/FLUX.1-schnell",
            provider="fal-ai",
            params={"width": 128, "height": 128, "seed": 3},
            files=[{"path": str(picture), "mime": "image/png", "width": 120, "height": 80}],
            created_at=1_000.0,
        ),
        "failed": history.add_generation(
            Task.TEXT_TO_IMAGE.value,
            prompt=FAILED_PROMPT,
            model="black-forest-labs/FLUX.1-schnell",
            status="failed",
            error="Every provider was busy.",
            created_at=2_000.0,
        ),
    }
    chat = history.create_conversation(CHAT_TITLE, model="meta-llama/Llama-3.1-8B-Instruct")
    history.add_message(chat, "user", FIRST_QUESTION)
    history.add_message(
        chat,
        "assistant",
        "High tide is at 06:12 and 18:40.",
        model="meta-llama/Llama-3.1-8B-Instruct",
        provider="groq",
    )
    ids["chat"] = chat
    return ids


@pytest.fixture
def services(open_services: Callable[..., Services]) -> Services:
    return open_services({})


def pixels(icon: QIcon) -> bytes:
    return bytes(icon.pixmap(44, 44).toImage().constBits())


def titles(page: LibraryPage) -> list[str]:
    return [str(page.model.index(r).data()) for r in range(page.model.rowCount())]


def test_a_chat_is_listed_with_its_first_question_model_and_provider(
    loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services
) -> None:
    ids = fill(services)
    page: LibraryPage = build_page(LibraryPage, services)
    wait_until(loop, lambda: page.model.rowCount() == 2)  # the failure is hidden
    assert titles(page) == [CHAT_TITLE, PICTURE_PROMPT]  # most recent first
    second = str(page.model.index(0).data(SECONDARY_ROLE))
    assert second == "“When is high tide in Brest tomorrow?” · Llama-3.1-8B-Instruct · via Groq"
    page.kind.setCurrentIndex(page.kind.findText("Chats"))
    assert titles(page) == [CHAT_TITLE]
    gen = page.details.generation
    assert gen is not None and gen.id == -ids["chat"]
    assert page.details.title.text() == CHAT_TITLE
    assert "When is high tide in Brest tomorrow?" in page.details.note.text()
    assert page.details.open_button.text() == "Open in Chat"
    assert page.details.open_button.isEnabled()
    assert not page.details.delete_button.isEnabled()  # chats are deleted in the Chat tab
    assert not page.details.reuse_button.isEnabled()  # one action per intent
    assert page.details.settings.text() == "2 messages"
    assert not page.details.badge.isVisible()  # the model line already names who answered


def test_search_finds_a_chat_by_the_words_of_its_messages(
    loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services
) -> None:
    fill(services)
    page: LibraryPage = build_page(LibraryPage, services)
    wait_until(loop, lambda: page.model.rowCount() == 2)
    page.search.setText("18:40")  # only in the answer
    wait_until(loop, lambda: titles(page) == [CHAT_TITLE])
    page.search.setText("lighthouse")
    wait_until(loop, lambda: titles(page) == [PICTURE_PROMPT])


def test_opening_a_chat_switches_to_the_chat_tab_with_it(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({})
    ids = fill(window.services)
    window.tabs.setCurrentWidget(window.library)
    library = window.library
    wait_until(loop, lambda: library.model.rowCount() == 2)
    assert library.select_generation(-ids["chat"])
    library.details.open_button.click()
    wait_until(loop, lambda: window.chat.conversation_id == ids["chat"])
    assert window.tabs.currentWidget() is window.chat
    settle(loop)


def test_failed_attempts_show_only_when_asked_and_the_choice_is_remembered(
    loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services
) -> None:
    fill(services)
    page: LibraryPage = build_page(LibraryPage, services)
    wait_until(loop, lambda: page.model.rowCount() == 2)
    assert not page.show_failed.isChecked()
    assert FAILED_PROMPT not in titles(page)
    page.show_failed.setChecked(True)
    wait_until(loop, lambda: FAILED_PROMPT in titles(page))
    row = titles(page).index(FAILED_PROMPT)
    assert "Failed" in str(page.model.index(row).data(SECONDARY_ROLE))
    # Nothing was made: the row's symbol is ✕, not the picture symbol that invites opening.
    icon = page.model.index(row).data(Qt.ItemDataRole.DecorationRole)
    nothing = kind_icon(NOTHING_MADE, 44, page.palette())
    assert pixels(icon) == pixels(nothing)
    assert services.state.get(SHOW_FAILED_KEY) is True
    again: LibraryPage = build_page(LibraryPage, services)
    assert again.show_failed.isChecked()
    wait_until(loop, lambda: FAILED_PROMPT in titles(again))
    # A search does not bring hidden failures back either.
    again.show_failed.setChecked(False)
    again.search.setText("lighthouse")
    wait_until(loop, lambda: titles(again) == [PICTURE_PROMPT])


def test_a_pictures_size_is_the_real_one_not_the_one_asked_for(
    loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services
) -> None:
    ids = fill(services)
    page: LibraryPage = build_page(LibraryPage, services)
    wait_until(loop, lambda: page.model.rowCount() == 2)
    assert page.select_generation(ids["picture"])
    settings = page.details.settings.text()
    assert settings.startswith("120 × 80 (asked for 128 × 128)"), settings
    wait_until(loop, lambda: page.details.image.image is not None)


def test_show_file_without_a_file_manager_offers_to_copy_the_path(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtGui import QGuiApplication

    from desktop.ui.library import page as library_page

    ids = fill(services)
    monkeypatch.setattr(library_page, "reveal_file", lambda _path: False)
    page: LibraryPage = build_page(LibraryPage, services)
    wait_until(loop, lambda: page.model.rowCount() == 2)
    assert page.select_generation(ids["picture"])
    gen = page.details.generation
    assert gen is not None
    path = str(gen.files[0]["path"])
    QGuiApplication.clipboard().setText("something else")
    page.details.reveal_button.click()
    assert path in page.message_bar.text_label.text()
    assert page.message_bar.kind == "info"
    (copy,) = page.message_bar.choice_buttons
    assert copy.text() == "Copy path"
    copy.click()
    assert QGuiApplication.clipboard().text() == path
    assert "copied" in page.message_bar.text_label.text()
