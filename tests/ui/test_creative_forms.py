"""The start picture, strength and styles in the Images and Video tabs, against the emulator:
a change of a picture and an animation made from the window, drop/paste, the style browser,
and the "Use this picture" / "Animate it" paths between the tabs and the Library."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import qasync
from PIL import Image
from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QColor, QImage

from desktop.core.media_types import LoraChoice
from desktop.engine.style_book import LIST_TTL_S
from desktop.services import Services
from desktop.ui.images import ImagesPage
from desktop.ui.main_window import MainWindow
from desktop.ui.video import VideoPage
from tests.emulator import Emulator
from tests.emulator.image_edit import KONTEXT, STYLE_FROSTING, STYLE_INK, WAN_I2V
from tests.emulator.media_models import FLUX_SCHNELL
from tests.ui.page_helpers import (  # noqa: F401 (fixtures)
    build_page_fixture,
    media_env_fixture,
    wait_until,
)
from tests.ui.test_video_page import FAST_POLL

pytestmark = pytest.mark.gui


@pytest.fixture
def still(tmp_path: Path) -> Path:
    path = tmp_path / "harbour.png"
    Image.new("RGB", (80, 48), (30, 60, 200)).save(path, "PNG")
    return path


@pytest.fixture
def services(open_services: Callable[..., Services], media_env: dict[str, str]) -> Services:
    services = open_services(media_env)
    services.settings.set_order(["hf-inference", "fal-ai", "together", "replicate"])
    services.video.timing = FAST_POLL
    return services


@pytest.fixture
def images(build_page: Callable[..., Any], services: Services) -> ImagesPage:
    page: ImagesPage = build_page(ImagesPage, services)
    return page


def posts(emulator: Emulator, provider: str) -> list[Any]:
    return [r for r in emulator.requests_for(provider) if r.method == "POST"]


def run_page(loop: qasync.QEventLoop, page: Any) -> None:
    """Press the Run button (twice if the model check warned once) and wait for the end."""
    page.run_button.click()
    if not page.busy:  # a first warning about an unfamiliar model id: sending again goes ahead
        page.run_button.click()
    wait_until(loop, lambda: not page.busy)


def test_changing_a_picture_from_the_images_tab(
    loop: qasync.QEventLoop, images: ImagesPage, emulator: Emulator, still: Path
) -> None:
    assert not images.form.strength.isEnabled()
    images.model_picker.set_current_model(KONTEXT)
    images.form.prompt.setPlainText("make it night")
    images.start_picture.set_path(str(still))
    wait_until(loop, lambda: not images.start_picture.preview.pixmap().isNull())
    assert images.start_picture.caption.text() == "harbour.png"
    assert images.form.strength.isEnabled() and not images.form.width_box.isEnabled()
    assert images.run_button.text() == "Change picture"
    images.form.strength.setValue(0.45)
    run_page(loop, images)

    assert images.message_bar.isHidden(), images.message_bar.text_label.text()
    assert images.model.rowCount() == 1
    picture = images.model.picture(0)
    assert picture is not None and picture.provider == "hf-inference"
    with Image.open(picture.path) as made:
        assert made.size == (80, 48)  # the start picture's size, not the form's
    (req,) = posts(emulator, "hf-inference")
    assert req.json["parameters"]["strength"] == 0.45 and "width" not in req.json["parameters"]

    images.start_picture.set_path(None)
    assert images.form.width_box.isEnabled() and not images.form.strength.isEnabled()
    assert images.run_button.text() == "Make image"
    images.reuse_selected()  # "Reuse settings" brings the start picture back
    assert images.start_picture.path() == picture.params["source_file"]
    assert images.form.strength.value() == 0.45


def test_a_file_that_is_not_a_picture_is_one_sentence_and_nothing_is_sent(
    loop: qasync.QEventLoop, images: ImagesPage, emulator: Emulator, tmp_path: Path
) -> None:
    fake = tmp_path / "notes.png"
    fake.write_text("shopping list")
    images.model_picker.set_current_model(KONTEXT)
    images.form.prompt.setPlainText("make it night")
    images.start_picture.set_path(str(fake))
    wait_until(loop, lambda: "cannot be read" in images.start_picture.caption.text())
    run_page(loop, images)
    assert images.message_bar.text_label.text() == (
        "notes.png is not a picture Switchboard can read (PNG, JPEG, WebP or GIF)."
    )
    assert posts(emulator, "hf-inference") == [] and posts(emulator, "fal-ai") == []


def test_drop_and_paste_take_files_and_pixels(
    loop: qasync.QEventLoop, images: ImagesPage, services: Services, still: Path
) -> None:
    field = images.start_picture
    dropped = QMimeData()
    dropped.setUrls([QUrl.fromLocalFile(str(still))])
    assert field.take(dropped, "no")
    assert field.path() == str(still)

    pixels = QImage(40, 30, QImage.Format.Format_RGB32)
    pixels.fill(QColor("orange"))
    pasted = QMimeData()
    pasted.setImageData(pixels)
    assert field.take(pasted, "no")
    wait_until(loop, lambda: field.path() not in (None, str(still)))
    kept = Path(field.path() or "")
    assert kept.is_relative_to(services.paths.media_dir) and kept.suffix == ".png"

    assert not field.take(QMimeData(), "The clipboard holds no picture.")
    assert images.message_bar.text_label.text() == "The clipboard holds no picture."


def look_for_styles(loop: qasync.QEventLoop, images: ImagesPage) -> tuple[int, str]:
    """Open the style browser, wait for its answer, close it: (styles listed, status)."""
    images.styles.browse()
    wait_until(loop, lambda: images.styles.browser is not None)
    browser = images.styles.browser
    assert browser is not None
    wait_until(loop, lambda: browser.status.text().endswith("."))
    found = (browser.results.count(), browser.status.text())
    browser.reject()
    wait_until(loop, lambda: images.styles.browser is None)
    return found


def test_the_style_browser_shows_kept_styles_as_of_their_date_when_the_hub_is_out_of_reach(
    loop: qasync.QEventLoop, images: ImagesPage, services: Services, emulator: Emulator
) -> None:
    images.model_picker.set_current_model(FLUX_SCHNELL)
    assert look_for_styles(loop, images) == (2, "2 styles found.")
    fetched = services.engine.styles.clock()
    services.engine.styles.clock = lambda: fetched + LIST_TTL_S + 60
    emulator.fault("hub", "status", status=503)
    count, words = look_for_styles(loop, images)
    assert count == 2
    assert words.startswith("The Hub is out of reach: these 2 styles are as of "), words
    assert str(datetime.fromtimestamp(fetched).year) in words


def test_the_style_browser_lists_the_models_styles_and_adds_them(
    loop: qasync.QEventLoop, images: ImagesPage, emulator: Emulator
) -> None:
    images.model_picker.set_current_model(FLUX_SCHNELL)
    images.styles.browse()
    wait_until(loop, lambda: images.styles.browser is not None)
    browser = images.styles.browser
    assert browser is not None
    wait_until(loop, lambda: browser.results.count() == 2)
    texts = [browser.results.item(i).text() for i in range(2)]
    frosting = next(t for t in texts if t.startswith(STYLE_FROSTING))
    assert "trigger: frstingln illustration" in frosting
    assert "examples: a frosted cake shop" in frosting
    browser.query.setText("ink")
    wait_until(loop, lambda: browser.results.count() == 1)
    browser.results.item(0).setSelected(True)
    browser.accept()
    wait_until(loop, lambda: images.styles.browser is None)
    assert [c.repo for c in images.styles.choices()] == [STYLE_INK]

    images.styles.add(LoraChoice(STYLE_FROSTING, 0.6, trigger="frstingln illustration"))
    images.form.prompt.setPlainText("a frstingln illustration of a bakery")
    images.form.set_size(96, 64)
    images.policy_picker.set_policy("fal-ai")
    run_page(loop, images)
    assert images.message_bar.isHidden(), images.message_bar.text_label.text()
    (req,) = posts(emulator, "fal-ai")
    assert [(entry["path"].split("/")[4], entry["scale"]) for entry in req.json["loras"]] == [
        ("ink-wash-flux", 1.0),
        ("frosting-lane-flux", 0.6),
    ]


def test_animating_a_picture_from_the_video_tab(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    services: Services,
    emulator: Emulator,
    still: Path,
) -> None:
    page: VideoPage = build_page(VideoPage, services)
    page.model_picker.set_current_model(WAN_I2V)
    page.form.prompt.setPlainText("the boats rock gently")
    page.use_picture(str(still))
    assert page.run_button.text() == "Animate picture"
    page.policy_picker.set_policy("together")
    run_page(loop, page)
    wait_until(loop, lambda: page.model.rowCount() == 1)
    assert page.message_bar.isHidden(), page.message_bar.text_label.text()
    (submit,) = posts(emulator, "together")
    assert submit.json["frame_images"][0]["frame"] == "first"
    gen = page.model.generation(0)
    assert gen is not None and gen.task == "image-to-video" and gen.status == "complete"


def test_use_this_picture_and_animate_it_from_the_library(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], media_env: dict[str, str]
) -> None:
    window = make_window(media_env)
    images = window.images
    images.model_picker.set_current_model(FLUX_SCHNELL)
    images.form.prompt.setPlainText("a harbour")
    images.form.set_size(96, 64)
    images.policy_picker.set_policy("fal-ai")
    run_page(loop, images)
    picture = images.model.picture(0)
    assert picture is not None

    window.tabs.setCurrentWidget(window.library)
    wait_until(loop, lambda: window.library.model.rowCount() == 1)
    window.library.select_generation(picture.key[0])
    assert window.library.details.use_button.isEnabled()
    window.library.details.use_button.click()
    assert window.tabs.currentWidget() is images
    assert images.start_picture.path() == picture.path

    window.tabs.setCurrentWidget(window.library)
    window.library.details.animate_button.click()
    assert window.tabs.currentWidget() is window.video
    assert window.video.start_picture.path() == picture.path
