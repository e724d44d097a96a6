"""The Images tab against the loopback emulator: real HTTP, real engine, real history and media."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from desktop.services import Services
from desktop.ui.images import ImagesPage
from tests.emulator import Emulator
from tests.emulator.media_models import FLUX_SCHNELL
from tests.ui.page_helpers import (  # noqa: F401 (fixtures)
    build_page_fixture,
    close_page,
    drive,
    media_env_fixture,
    wait_until,
)

PROMPT = "a lighthouse at dusk"


@pytest.fixture
def services(open_services: Callable[..., Services], media_env: dict[str, str]) -> Services:
    services = open_services(media_env)
    services.settings.set_order(["fal-ai", "together", "replicate"])
    return services


@pytest.fixture
def page(build_page: Callable[..., Any], services: Services) -> ImagesPage:
    page: ImagesPage = build_page(ImagesPage, services)
    return page


def fill(page: ImagesPage, prompt: str = PROMPT, **settings: Any) -> None:
    page.model_picker.set_current_model(FLUX_SCHNELL)
    page.form.prompt.setPlainText(prompt)
    page.form.set_size(settings.get("width", 96), settings.get("height", 64))
    page.form.count.setValue(settings.get("count", 1))
    page.form.steps.setValue(settings.get("steps", 0))
    page.form.guidance.setValue(settings.get("guidance", 0.0))
    page.form.negative.setText(settings.get("negative", ""))
    page.form.set_seed(settings.get("seed"))


def make(loop: qasync.QEventLoop, page: ImagesPage) -> None:
    """Click "Make image" and wait for the pictures.

    Clicks happen outside the loop (as a person's do): work they start takes its first step
    inside the next ``wait_until``, where the asyncio loop is running.
    """
    page.run_button.click()
    assert page.busy
    assert page.run_button.text() == "Cancel"
    wait_until(loop, lambda: not page.busy)


def test_make_image_shows_it_large_with_a_thumbnail_and_who_made_it(
    loop: qasync.QEventLoop, page: ImagesPage, services: Services
) -> None:
    fill(page, seed=7)
    make(loop, page)

    assert page.run_button.text() == "Make image"
    assert page.model.rowCount() == 1
    picture = page.model.picture(0)
    assert picture is not None and picture.provider == "fal-ai" and picture.seed == 7
    wait_until(loop, lambda: page.thumbnails.get(picture.path) is not None)
    wait_until(loop, lambda: page.result.preview.image is not None)
    assert page.result.picture is picture
    assert page.result.badge.label.text().startswith("via fal · ")
    assert not page.result.badge.failover.isVisibleTo(page)
    assert page.result.prompt.full_text() == PROMPT
    assert "seed 7" in page.result.caption.text() and "96 × 64" in page.result.caption.text()
    assert not page.message_bar.isVisible()
    (gen,) = services.history.list_generations("text-to-image")
    assert gen.files[0]["path"] == picture.path
    assert services.settings.default_models["text-to-image"] == FLUX_SCHNELL


def test_failover_is_told_in_the_badge_and_the_trace_table(
    loop: qasync.QEventLoop, page: ImagesPage, emulator: Emulator
) -> None:
    emulator.fault("fal-ai", "status", status=503, times=1)
    fill(page)
    make(loop, page)

    badge = page.result.badge
    assert badge.label.text().startswith("via Together AI · ")
    assert badge.failover.text() == "fal had a server problem, so Together AI delivered"
    assert badge.failover.isVisibleTo(page)
    badge.details_button.click()
    assert badge.table.isVisibleTo(page)
    assert badge.table.rowCount() == 2
    assert [badge.table.cell_text(r, 0) for r in range(2)] == ["fal", "Together AI"]
    assert badge.table.cell_text(0, 2) == "503"
    assert badge.table.cell_text(1, 3) == "delivered"


def test_several_pictures_have_a_line_each_while_they_are_made(
    loop: qasync.QEventLoop, page: ImagesPage, emulator: Emulator
) -> None:
    emulator.fault("fal-ai", "slow_first_token", delay=0.3, times=2)
    fill(page, count=2, seed=40)
    page.run_button.click()
    wait_until(loop, lambda: page.progress.statuses() == ["fal is working on it…"] * 2)
    assert page.progress.isVisibleTo(page)
    wait_until(loop, lambda: not page.busy)
    assert not page.progress.isVisibleTo(page)
    assert page.model.rowCount() == 2
    seeds = sorted(p.seed for r in range(2) if (p := page.model.picture(r)) and p.seed)
    assert seeds == [40, 41]
    assert page.count_label.text() == "2 pictures"


def test_cancel_stops_the_request_and_keeps_nothing(
    loop: qasync.QEventLoop, page: ImagesPage, emulator: Emulator, services: Services
) -> None:
    emulator.fault("fal-ai", "silent", times=1)
    fill(page)
    page.run_button.click()
    wait_until(loop, lambda: page.progress.statuses() == ["fal is working on it…"])
    page.run_button.click()  # now "Cancel"
    wait_until(loop, lambda: not page.busy)
    assert page.run_button.text() == "Make image"
    assert page.message_bar.text_label.text() == "Stopped — nothing was made or saved."
    assert page.model.rowCount() == 0
    assert services.history.list_generations("text-to-image") == []


def test_ctrl_enter_in_the_prompt_makes_the_picture(
    loop: qasync.QEventLoop, page: ImagesPage
) -> None:
    fill(page)
    QTest.keyClick(page.form.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert page.busy
    wait_until(loop, lambda: not page.busy)
    assert page.model.rowCount() == 1
    assert page.form.prompt.text() == PROMPT  # Ctrl+Enter did not add a line


def test_reuse_settings_fills_the_form_with_the_chosen_pictures_seed(
    loop: qasync.QEventLoop, page: ImagesPage
) -> None:
    fill(page, count=2, seed=42, steps=4, guidance=3.5, negative="fog", width=832, height=1216)
    make(loop, page)
    fill(page, "something else entirely", seed=None)
    page.policy_picker.set_policy("replicate")

    row = next(r for r in range(2) if (p := page.model.picture(r)) and p.seed == 43)
    page.gallery.setCurrentIndex(page.model.index(row))
    page.result.reuse_button.click()
    form = page.form
    assert form.prompt.text() == PROMPT
    assert form.negative.text() == "fog"
    assert (form.width_box.value(), form.height_box.value()) == (832, 1216)
    assert form.size_preset.currentData() == "Portrait"
    assert (form.steps.value(), form.guidance.value()) == (4, 3.5)
    assert form.seed.value() == 43
    assert form.count.value() == 2
    assert page.policy_picker.current_policy() == "auto"


def test_same_prompt_other_provider_and_new_seed(loop: qasync.QEventLoop, page: ImagesPage) -> None:
    fill(page, seed=5)
    make(loop, page)
    first = page.result.picture
    assert first is not None and first.provider == "fal-ai"

    page.result.other_provider_button.click()
    assert page.busy
    wait_until(loop, lambda: not page.busy)
    other = page.result.picture
    assert other is not None and other.provider == "together" and other.seed == 5
    # A one-off: the tab still uses Auto (failover on), and no pin notice appears.
    assert page.policy_picker.current_policy() == "auto"
    assert not page.policy_picker.back_to_auto.isVisibleTo(page)
    assert page.services.state.get_str("images.policy") in (None, "", "auto")

    page.result.new_seed_button.click()
    wait_until(loop, lambda: not page.busy)
    newest = page.result.picture
    assert newest is not None and newest.generation_id not in (
        first.generation_id,
        other.generation_id,
    )
    assert page.form.seed.value() is None
    assert page.model.rowCount() == 3


def test_results_are_there_after_a_restart(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    open_services: Callable[..., Services],
    media_env: dict[str, str],
) -> None:
    first = open_services(media_env)
    first.settings.set_order(["fal-ai"])
    page: ImagesPage = build_page(ImagesPage, first)
    fill(page, seed=3)
    make(loop, page)
    made = page.model.picture(0)
    assert made is not None
    close_page(loop, page)
    drive(loop, first.aclose())

    second = open_services(media_env)  # same data folder
    again: ImagesPage = build_page(ImagesPage, second)
    wait_until(loop, lambda: again.model.rowCount() == 1)
    picture = again.model.picture(0)
    assert picture is not None and picture.path == made.path and picture.seed == 3
    wait_until(loop, lambda: again.thumbnails.get(picture.path) is not None)
    wait_until(loop, lambda: again.result.preview.image is not None)
    assert again.result.badge.label.text().startswith("via fal")


def test_copy_and_drag_offer_the_file_and_the_picture(
    loop: qasync.QEventLoop, page: ImagesPage
) -> None:
    fill(page)
    make(loop, page)
    picture = page.model.picture(0)
    assert picture is not None
    wait_until(loop, lambda: page.result.preview.image is not None)
    mime = page.model.mimeData([page.model.index(0)])
    assert [u.toLocalFile() for u in mime.urls()] == [picture.path]
    assert mime.hasImage()

    page.result.copy_button.click()
    wait_until(loop, lambda: page.result.copy_button.text() == "Copied")
    clip = QGuiApplication.clipboard().mimeData()
    assert clip is not None and clip.hasImage()
    assert [u.toLocalFile() for u in clip.urls()] == [picture.path]


def test_no_token_says_so_with_a_button_to_the_providers_page(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    open_services: Callable[..., Services],
    emulator: Emulator,
) -> None:
    page: ImagesPage = build_page(ImagesPage, open_services(emulator.env()))
    fill(page)
    make(loop, page)
    assert page.message_bar.isVisible()
    assert "no Hugging Face token" in page.message_bar.text_label.text()
    assert page.message_bar.action_button.text() == "Add a token"
    asked: list[str] = []
    page.providers_requested.connect(asked.append)
    page.message_bar.action_button.click()
    assert asked == ["token"]


def test_an_empty_prompt_is_refused_in_plain_words(
    loop: qasync.QEventLoop, page: ImagesPage, emulator: Emulator
) -> None:
    fill(page, "   ")
    page.run_button.click()
    assert not page.busy
    assert page.message_bar.text_label.text() == "Describe the picture first: the prompt is empty."
    assert emulator.requests_for("fal-ai") == []


def test_save_as_copies_the_picture_through_a_dialog_that_does_not_block(
    loop: qasync.QEventLoop, page: ImagesPage, tmp_path: Path
) -> None:
    fill(page, seed=9)
    make(loop, page)
    picture = page.model.picture(0)
    assert picture is not None
    page.result.save_button.click()
    wait_until(
        loop,
        lambda: any(
            isinstance(w, QFileDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
        ),
    )
    (dialog,) = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()
    ]
    assert dialog.selectedFiles()[0].endswith("a-lighthouse-at-dusk-9.jpg")
    target = tmp_path / "keep.jpg"
    name = dialog.findChild(QLineEdit, "fileNameEdit")  # what a person types into
    assert name is not None
    name.setText(str(target))
    dialog.accept()
    wait_until(loop, lambda: page.message_bar.text_label.text() == f"Saved as {target}.")
    assert target.read_bytes() == Path(picture.path).read_bytes()


def test_reuse_from_the_library_selects_the_picture_and_fills_the_form(
    loop: qasync.QEventLoop, page: ImagesPage
) -> None:
    fill(page, seed=21, steps=4)
    make(loop, page)
    first = page.model.picture(0)
    assert first is not None
    fill(page, "another idea", seed=None)
    make(loop, page)
    page.reuse_generation(first.generation_id)
    wait_until(loop, lambda: page.form.prompt.text() == PROMPT)
    assert page.result.picture is not None and page.result.picture.key == first.key
    assert page.form.seed.value() == 21 and page.form.steps.value() == 4


def test_open_large_shows_the_picture_in_its_own_window(
    loop: qasync.QEventLoop, page: ImagesPage
) -> None:
    fill(page)
    make(loop, page)
    wait_until(loop, lambda: page.result.preview.image is not None)
    page.result.open_button.click()
    window = page.large_window
    assert window is not None and window.isVisible() and window.isWindow()
    assert window.windowTitle() == PROMPT
    assert window.preview.image is not None
    window.close()


def test_a_pinned_provider_is_said_and_back_to_auto_undoes_it(page: ImagesPage) -> None:
    picker = page.policy_picker
    assert not picker.back_to_auto.isVisibleTo(page)
    picker.set_policy("fal-ai")
    assert picker.back_to_auto.isVisibleTo(page)
    assert "no other provider is tried" in picker.toolTip()
    picker.back_to_auto.click()
    assert picker.current_policy() == "auto"
    assert not picker.back_to_auto.isVisibleTo(page)
