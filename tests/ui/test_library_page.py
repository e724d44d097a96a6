"""The Library tab: every kind listed, kind filter, full-text search, open, reuse and delete.

The picture is made through the real engine against the emulator (so its row is exactly what
the Images tab stores); the video, transcript and embeddings rows are written the way their
services write them, with real files in the media folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QMessageBox

from desktop.core.media_types import ImageRequest
from desktop.core.table import Task
from desktop.services import Services
from desktop.ui.library import LibraryPage
from desktop.ui.library.details import TextWindow
from desktop.ui.widgets.image_view import ImageWindow
from desktop.ui.widgets.two_line_delegate import SECONDARY_ROLE
from tests.emulator.media import mp4_bytes
from tests.emulator.media_models import FLUX_SCHNELL
from tests.ui.page_helpers import (  # noqa: F401 (fixtures)
    build_page_fixture,
    drive,
    media_env_fixture,
    wait_until,
)

IMAGE_PROMPT = "a lighthouse at dusk"
VIDEO_PROMPT = "a red fox running through fresh snow"
TRANSCRIPT = "Hello and welcome to the show about tidal islands."
TEXTS = ["the cat sat on the mat", "a dog in the fog", "stock prices fell today"]


@pytest.fixture
def services(
    loop: qasync.QEventLoop, open_services: Callable[..., Services], media_env: dict[str, str]
) -> Services:
    """Services whose library holds one item of every kind (oldest: embeddings)."""
    services = open_services(media_env)
    history, media = services.history, services.media
    vectors = media.put(b"\x93NUMPY-not-really", ".npy")
    history.add_generation(
        Task.EMBEDDINGS.value,
        prompt="\n".join(TEXTS),
        model="BAAI/bge-small-en-v1.5",
        provider="hf-inference",
        params={"texts": TEXTS, "dimensions": 384},
        vectors_path=str(vectors),
        created_at=1_000.0,
    )
    audio = media.put(b"RIFF....WAVEfmt ", ".wav")
    history.add_generation(
        Task.SPEECH_TO_TEXT.value,
        prompt="interview.wav",
        model="openai/whisper-large-v3",
        provider="fal-ai",
        text=TRANSCRIPT,
        files=[{"path": str(audio), "mime": "audio/wav"}],
        created_at=2_000.0,
    )
    video = media.put(mp4_bytes(), ".mp4")
    history.add_generation(
        Task.TEXT_TO_VIDEO.value,
        prompt=VIDEO_PROMPT,
        model="Wan-AI/Wan2.1-T2V-14B",
        provider="fal-ai",
        params={"prompt": VIDEO_PROMPT, "num_frames": 81, "seed": 7},
        files=[{"path": str(video), "mime": "video/mp4", "duration_s": 1.0}],
        created_at=3_000.0,
    )
    services.settings.set_order(["fal-ai"])
    result = drive(
        loop,
        services.images.generate(
            ImageRequest(
                model=FLUX_SCHNELL,
                prompt=IMAGE_PROMPT,
                width=96,
                height=64,
                seed=7,
            )
        ),
    )
    assert result.status == "complete", result.error
    return services


@pytest.fixture
def page(build_page: Callable[..., Any], services: Services) -> LibraryPage:
    page: LibraryPage = build_page(LibraryPage, services)
    return page


def kinds(page: LibraryPage) -> list[str]:
    return [g.task for g in page.shown_generations()]


def test_lists_every_kind_newest_first_with_plain_descriptions(
    loop: qasync.QEventLoop, page: LibraryPage
) -> None:
    wait_until(loop, lambda: page.model.rowCount() == 4)
    assert kinds(page) == [
        "text-to-image",
        "text-to-video",
        "automatic-speech-recognition",
        "feature-extraction",
    ]
    second = [str(page.model.index(r).data(SECONDARY_ROLE)) for r in range(4)]
    assert second[0].startswith("Picture · FLUX.1-schnell · via fal")
    assert second[1].startswith("Video · 0:01")
    assert second[2].startswith("“Hello and welcome to the show")
    assert second[3].startswith("Embeddings of 3 texts")
    assert page.count_label.text() == "4 items"
    image = page.shown_generations()[0]
    wait_until(loop, lambda: page.thumbnails.get(str(image.files[0]["path"])) is not None)
    # The newest item is chosen and shown large, with its facts and routing badge.
    wait_until(loop, lambda: page.details.image.image is not None)
    assert page.details.title.text() == IMAGE_PROMPT
    assert "96 × 64" in page.details.settings.text() and "seed 7" in page.details.settings.text()
    assert page.details.badge.label.text().startswith("via fal")
    assert page.details.reuse_button.text() == "Reuse in Images"


def test_filter_by_kind(loop: qasync.QEventLoop, page: LibraryPage) -> None:
    wait_until(loop, lambda: page.model.rowCount() == 4)
    page.kind.setCurrentIndex(page.kind.findData(Task.TEXT_TO_VIDEO.value))
    assert kinds(page) == ["text-to-video"]
    assert page.count_label.text() == "1 item"
    player = page.details.player
    assert player.path is not None and player.path.endswith(".mp4")
    page.kind.setCurrentIndex(0)
    assert len(kinds(page)) == 4


def test_search_finds_a_picture_by_its_prompt_words_and_a_transcript_by_its_text(
    loop: qasync.QEventLoop, page: LibraryPage
) -> None:
    wait_until(loop, lambda: page.model.rowCount() == 4)
    page.search.setText("lighthouse")
    wait_until(loop, lambda: kinds(page) == ["text-to-image"])
    assert page.count_label.text() == "1 found"
    assert page.details.generation is not None
    assert page.details.generation.prompt == IMAGE_PROMPT

    page.search.setText("tidal isl")  # the last word is a prefix: results while typing
    wait_until(loop, lambda: kinds(page) == ["automatic-speech-recognition"])
    assert page.details.text.toPlainText() == TRANSCRIPT

    page.search.setText("zebra")
    wait_until(loop, lambda: page.count_label.text() == "Nothing found")
    page.search.setText("")
    assert len(kinds(page)) == 4


def test_delete_asks_then_removes_only_that_row(
    loop: qasync.QEventLoop, page: LibraryPage, services: Services
) -> None:
    wait_until(loop, lambda: page.model.rowCount() == 4)
    image = page.shown_generations()[0]
    assert page.details.generation is not None and page.details.generation.id == image.id
    page.details.delete_button.click()
    wait_until(loop, lambda: page.confirm_box is not None and page.confirm_box.isVisible())
    box = page.confirm_box
    assert box is not None and "a lighthouse at dusk" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()  # changed their mind
    wait_until(loop, lambda: page.confirm_box is None)
    assert page.model.rowCount() == 4

    deleted: list[int] = []
    page.generation_deleted.connect(deleted.append)
    page.details.delete_button.click()
    wait_until(loop, lambda: page.confirm_box is not None and page.confirm_box.isVisible())
    box = page.confirm_box
    assert box is not None
    (delete,) = [b for b in box.buttons() if b.text() == "Delete"]
    delete.click()
    wait_until(loop, lambda: page.model.rowCount() == 3)
    assert deleted == [image.id]
    assert services.history.get_generation(image.id) is None
    assert kinds(page) == ["text-to-video", "automatic-speech-recognition", "feature-extraction"]
    assert page.details.generation is not None
    assert page.details.generation.task == "text-to-video"  # the next one is chosen
    assert Path(str(image.files[0]["path"])).is_file()  # files are shared, never deleted here


def test_reuse_asks_the_tab_that_made_it(loop: qasync.QEventLoop, page: LibraryPage) -> None:
    wait_until(loop, lambda: page.model.rowCount() == 4)
    asked: list[tuple[str, int]] = []
    page.reuse_requested.connect(lambda task, gid: asked.append((task, gid)))
    video = page.shown_generations()[1]
    page.select_generation(video.id)
    assert page.details.reuse_button.text() == "Reuse in Video"
    page.details.reuse_button.click()
    assert asked == [("text-to-video", video.id)]


def test_open_shows_a_picture_large_and_a_transcript_in_a_window(
    loop: qasync.QEventLoop, page: LibraryPage
) -> None:
    wait_until(loop, lambda: page.model.rowCount() == 4)
    wait_until(loop, lambda: page.details.image.image is not None)
    page.details.open_button.click()
    assert isinstance(page.opened, ImageWindow) and page.opened.isVisible()
    page.opened.close()

    transcript = page.shown_generations()[2]
    page.select_generation(transcript.id)
    page.details.open_button.click()
    assert isinstance(page.opened, TextWindow)
    assert page.opened.text.toPlainText() == TRANSCRIPT
    page.opened.close()


def test_new_items_appear_when_the_library_is_shown_again(
    loop: qasync.QEventLoop, page: LibraryPage, services: Services
) -> None:
    wait_until(loop, lambda: page.model.rowCount() == 4)
    page.hide()
    gen_id = services.history.add_generation(
        Task.SPEECH_TO_TEXT.value, prompt="memo.m4a", text="Buy bread and call the plumber."
    )
    page.mark_stale(gen_id)
    assert page.model.rowCount() == 4
    page.show()
    wait_until(loop, lambda: page.model.rowCount() == 5)
    assert page.shown_generations()[0].id == gen_id


def test_an_empty_library_says_what_will_be_there(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    open_services: Callable[..., Services],
) -> None:
    page: LibraryPage = build_page(LibraryPage, open_services({}))
    wait_until(loop, lambda: "Nothing made yet" in page.details.note.text())
    assert page.model.rowCount() == 0
    assert not any(b.isEnabled() for b in page.details.buttons())


def test_show_file_says_the_path_when_no_file_manager_opens(
    loop: qasync.QEventLoop, page: LibraryPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QGuiApplication

    from desktop.ui.library import page as library_page

    monkeypatch.setattr(library_page, "reveal_file", lambda _path: False)
    wait_until(loop, lambda: page.details.generation is not None)
    gen = page.details.generation
    assert gen is not None
    path = str(gen.files[0]["path"])
    page.details.reveal_button.click()
    assert path in page.message_bar.text_label.text()
    assert page.message_bar.kind == "info"
    (copy,) = page.message_bar.choice_buttons
    copy.click()
    assert QGuiApplication.clipboard().text() == path
