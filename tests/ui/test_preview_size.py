"""The chosen picture is held decoded at the size it is shown, not whole (issue 8, memory).

A 1024² picture in a panel of about 400 px is decoded at about 400 px; the panel grown, a
sharper decode replaces it; opened large, the window decodes for its own size. Whatever is
held for the screen, copying, dragging and saving give the whole 1024² picture, read from
its file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication, QImage

from desktop.core.table import Task
from desktop.services import Services
from desktop.ui.images import ImagesPage
from desktop.ui.library import LibraryPage
from desktop.ui.widgets.image_view import SHARPER_MARGIN, ImagePreview
from desktop.ui.widgets.thumbnails import load_fitted
from tests.ui.page_helpers import (  # noqa: F401 (fixtures)
    build_page_fixture,
    media_env_fixture,
    wait_until,
)

SIDE = 1024
PROMPT = "a lighthouse at dusk, large"


def png_bytes(side: int = SIDE) -> bytes:
    """A ``side``² picture with detail everywhere (a gradient), as PNG."""
    image = Image.linear_gradient("L").resize((side, side)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def services(open_services: Callable[..., Services], media_env: dict[str, str]) -> Services:
    """Services whose history holds one stored 1024² picture."""
    services = open_services(media_env)
    path = services.media.put(png_bytes(), ".png")
    services.history.add_generation(
        Task.TEXT_TO_IMAGE.value,
        prompt=PROMPT,
        model="black-forest-labs/FLUX.1-schnell",
        provider="fal-ai",
        params={"prompt": PROMPT, "width": SIDE, "height": SIDE, "seed": 7},
        files=[{"path": str(path), "mime": "image/png"}],
        created_at=1_000.0,
    )
    return services


def held(preview: ImagePreview) -> QSize:
    image = preview.image
    assert image is not None
    return image.size()


def assert_display_sized(preview: ImagePreview) -> None:
    """The picture is held no larger than it is drawn (device pixels, small margin)."""
    box = preview.decode_box()
    size = held(preview)
    assert size.width() <= box.width() + SHARPER_MARGIN
    assert size.height() <= box.height() + SHARPER_MARGIN
    assert preview.full_size == QSize(SIDE, SIDE)


def grow_and_check_sharper(loop: qasync.QEventLoop, page: Any, preview: ImagePreview) -> None:
    before = held(preview)
    page.resize(page.width() * 2, page.height() * 2)
    wait_until(loop, lambda: held(preview).width() > before.width() + SHARPER_MARGIN)
    wait_until(loop, lambda: not preview.needs_redecode())
    assert_display_sized(preview)


def images_page(loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services) -> Any:
    page: ImagesPage = build_page(ImagesPage, services)
    page.resize(900, 640)  # a preview panel of about 400 px
    wait_until(loop, lambda: page.result.preview.image is not None)
    wait_until(loop, lambda: not page.result.preview.needs_redecode())
    return page


def test_images_preview_is_decoded_at_the_size_shown_and_sharper_when_larger(
    loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services
) -> None:
    page = images_page(loop, build_page, services)
    preview = page.result.preview
    assert 250 <= preview.width() <= 600, preview.size()
    assert_display_sized(preview)
    assert held(preview).width() < SIDE
    shown = preview.image_rect()
    assert shown.width() == shown.height() == min(preview.width(), preview.height())

    grow_and_check_sharper(loop, page, preview)


def test_images_copy_drag_and_open_large_get_the_whole_picture(
    loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services
) -> None:
    page = images_page(loop, build_page, services)
    picture = page.model.picture(0)
    assert picture is not None and held(page.result.preview).width() < SIDE

    page.result.copy_button.click()
    wait_until(loop, lambda: page.result.copy_button.text() == "Copied")
    clip = QGuiApplication.clipboard().mimeData()
    assert clip is not None and clip.hasImage()
    assert QImage(clip.imageData()).size() == QSize(SIDE, SIDE)

    drag = page.result.preview.make_drag()
    assert drag is not None
    dragged = drag.mimeData()
    assert [u.toLocalFile() for u in dragged.urls()] == [picture.path]
    assert dragged.hasImage() and QImage(dragged.imageData()).size() == QSize(SIDE, SIDE)

    tile = page.model.mimeData([page.model.index(0)])
    assert [u.toLocalFile() for u in tile.urls()] == [picture.path]
    assert tile.hasImage() and QImage(tile.imageData()).size() == QSize(SIDE, SIDE)

    page.open_large()
    window = page.large_window
    assert window is not None and window.isVisible()
    assert window.preview.full_size == QSize(SIDE, SIDE)
    wait_until(loop, lambda: not window.preview.needs_redecode())
    assert_display_sized(window.preview)
    window.close()


def test_library_preview_is_decoded_at_the_size_shown_and_drags_the_whole_picture(
    loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services, tmp_path: Path
) -> None:
    page: LibraryPage = build_page(LibraryPage, services)
    page.resize(1000, 640)
    preview = page.details.image
    wait_until(loop, lambda: preview.image is not None)
    wait_until(loop, lambda: not preview.needs_redecode())
    assert_display_sized(preview)
    assert held(preview).width() < SIDE

    drag = preview.make_drag()
    assert drag is not None
    assert QImage(drag.mimeData().imageData()).size() == QSize(SIDE, SIDE)

    page.open_selected()
    window = page.opened
    assert window is not None and window.isVisible()
    window.close()

    grow_and_check_sharper(loop, page, preview)


def test_load_fitted_fits_the_box_and_reports_the_turned_whole_size(tmp_path: Path) -> None:
    """A camera picture turned a quarter (EXIF 6): 200×100 stored, 100×200 seen."""
    path = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.linear_gradient("L").resize((200, 100)).convert("RGB").save(path, exif=exif)
    fitted = load_fitted(str(path), 50, 50)
    assert (fitted.full_width, fitted.full_height) == (100, 200)
    assert fitted.image.size() == QSize(25, 50)
    whole = load_fitted(str(path), 4000, 4000)  # never enlarged
    assert whole.image.size() == QSize(100, 200)
