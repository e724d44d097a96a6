"""Look and feel a person notices: the theme they chose, icons, the window's size, tick boxes
that show in the dark."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import qasync
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QCheckBox

from desktop import assets
from desktop.services import Services
from desktop.ui import theme
from desktop.ui.main_window import MINIMUM_SIZE, TAB_NAMES, MainWindow
from tests.ui.conftest import run

pytestmark = pytest.mark.gui


@pytest.fixture
def calm_style(qapp: QApplication) -> Iterator[QApplication]:
    """The app's own style and theme handling, put back to light afterwards."""
    before = qapp.palette()
    theme.follow_system_scheme(qapp, "light")
    yield qapp
    theme.set_theme(qapp, "system")
    qapp.setPalette(before)


def _window_is_dark(qapp: QApplication) -> bool:
    return theme.is_dark(qapp.palette())


def test_theme_choice_applies_at_once_and_is_saved(
    calm_style: QApplication, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({})
    picker = window.providers.theme_picker
    assert [picker.itemText(i) for i in range(picker.count())] == ["System", "Light", "Dark"]
    assert picker.currentText() == "System"
    picker.setCurrentIndex(picker.findText("Dark"))
    assert _window_is_dark(calm_style)
    assert window.services.settings_store.load().theme == "dark"
    picker.setCurrentIndex(picker.findText("Light"))
    assert not _window_is_dark(calm_style)
    assert window.services.settings_store.load().theme == "light"


def test_an_unknown_saved_theme_follows_the_system(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window({})
    store = window.services.settings_store
    settings = store.load()
    settings.theme = "sepia"
    store.save(settings)
    assert store.load().theme == "system"


def _outline_contrast(box: QCheckBox) -> int:
    """The largest lightness difference between the tick box's pixels and the background."""
    image: QImage = box.grab().toImage()
    background = box.palette().color(QPalette.ColorRole.Window).lightness()
    side = min(image.height(), 20)
    return max(
        abs(QColor(image.pixel(x, y)).lightness() - background)
        for x in range(side)
        for y in range(image.height())
    )


def test_tick_boxes_are_visible_in_dark(calm_style: QApplication) -> None:
    theme.set_theme(calm_style, "dark")
    box = QCheckBox("Groq")
    box.resize(120, 24)
    assert _outline_contrast(box) > 40  # Fusion alone draws an outline of ~5 here


def test_every_tab_has_an_icon_and_the_window_has_one(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window({})
    assert not window.windowIcon().isNull()
    for index in range(window.tabs.count()):
        icon = window.tabs.tabIcon(index)
        assert not icon.isNull(), window.tabs.tabText(index)
        assert not icon.pixmap(QSize(18, 18)).toImage().isNull()
    assert set(TAB_NAMES) | {"switchboard"} <= set(assets.icon_names())


def test_tab_icons_follow_the_palette(
    calm_style: QApplication, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({})

    def ink() -> int:
        image = window.tabs.tabIcon(0).pixmap(QSize(24, 24)).toImage()
        opaque = [
            QColor(image.pixel(x, y))
            for x in range(image.width())
            for y in range(image.height())
            if QColor.fromRgba(image.pixel(x, y)).alpha() > 200
        ]
        return min(c.lightness() for c in opaque)

    assert ink() < 80  # dark lines on a light tab bar
    theme.set_theme(calm_style, "dark")
    QApplication.processEvents()  # the palette change reaches widgets as a posted event
    assert ink() > 160  # light lines on a dark one


def test_the_window_never_opens_larger_than_the_screen(
    loop: qasync.QEventLoop, open_services: Callable[..., Services]
) -> None:
    services = open_services({})

    async def build() -> MainWindow:
        window = MainWindow(services)
        window.show()
        return window

    window = run(loop, build())
    free = window.screen().availableGeometry()
    assert window.width() <= free.width() and window.height() <= free.height()
    window.resize(3000, 2000)
    window.fit_to_screen()
    assert window.width() <= free.width() and window.height() <= free.height()
    assert window.minimumWidth() == min(MINIMUM_SIZE.width(), free.width())
    assert window.minimumHeight() == min(MINIMUM_SIZE.height(), free.height())
    run(loop, window.shutdown())
    window.deleteLater()  # destroyed while the loop still runs, as the fixtures do
