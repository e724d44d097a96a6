"""A calm window at small sizes: the main action in sight, a Tab key that follows the page,
focus rings that show, a video that shows its first frame."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTabBar,
    QToolButton,
    QWidget,
)

from desktop.ui import theme
from desktop.ui.chat.message_data import MessageData
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.media_page import MediaPage
from desktop.ui.widgets.run_button import RunButton
from desktop.ui.widgets.video_player import PLAY, VideoPlayer
from tests.emulator.media import mp4_bytes
from tests.ui.conftest import act, settle, until

pytestmark = pytest.mark.gui


def _small_window(loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]) -> MainWindow:
    window = make_window({})
    window.setMinimumSize(0, 0)
    window.resize(1024, 640)
    settle(loop)
    return window


def _in_sight(widget: QWidget, window: QWidget) -> bool:
    """Whether all of ``widget`` is drawn inside the window and not cut by a scroll area."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    where = QRect(top_left, widget.size())
    shown = widget.visibleRegion().boundingRect()
    return window.rect().contains(where) and shown.size() == widget.size()


@pytest.mark.parametrize("tab", ["images", "video"])
def test_the_make_button_and_cost_stay_in_sight_at_1024x640(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], tab: str
) -> None:
    window = _small_window(loop, make_window)
    page = getattr(window, tab)
    assert isinstance(page, MediaPage)
    window.tabs.setCurrentWidget(page)
    QApplication.processEvents()
    assert window.width() <= 1024 and window.height() <= 640  # the window did not grow
    scroll = page.form_scroll.verticalScrollBar()
    assert scroll.maximum() > 0  # the form is taller than the window: it scrolls
    for where in (scroll.minimum(), scroll.maximum()):
        scroll.setValue(where)
        QApplication.processEvents()
        assert _in_sight(page.run_button, window), where
        assert _in_sight(page.cost_hint, window), where


def _tab_walk(window: MainWindow, start: QWidget, steps: int = 40) -> list[str]:
    """What Tab visits from ``start``: each control's accessible name (or text), in order."""
    window.activateWindow()
    start.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    names: list[str] = []
    for _ in range(steps):
        focused = QApplication.focusWidget()
        if focused is None or focused is window.tabs.tabBar():
            break
        text = getattr(focused, "text", None)
        label = focused.accessibleName() or (text() if callable(text) else "")
        names.append(str(label))
        window.focusNextChild()
        QApplication.processEvents()
    return names


def _in_order(walk: list[str], expected: list[str]) -> bool:
    """Whether ``expected`` appear in ``walk`` in that order (other stops may come between)."""
    positions = [walk.index(name) for name in expected if name in walk]
    return len(positions) == len(expected) and positions == sorted(positions)


def test_tab_follows_the_images_page_top_to_bottom(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({})
    page = window.images
    window.tabs.setCurrentWidget(page)
    walk = _tab_walk(window, page.model_picker)
    expected = [
        "Model",
        "Browse models",
        "Provider",
        "Compare…",
        "Describe the picture",
        "Width in pixels",
        "Height in pixels",
        "Steps",
        "Number of pictures",
        "Add style…",
        "Make image",
        "Pictures",
    ]
    assert _in_order(walk, expected), walk


def test_tab_follows_the_providers_page_top_to_bottom(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({})
    page = window.providers
    window.tabs.setCurrentWidget(page)
    page.details.key_row.field.setText("gsk_typed")  # its Save button is on now
    walk = _tab_walk(window, page.token_row.field)
    expected = [
        "New Hugging Face token",
        "Provider order",
        page.details.key_row.field.accessibleName(),  # beside the list, before what is under it
        "Save",
        "Move down",
        "Add a server…",
        "Appearance",
        "About Switchboard…",
    ]
    assert _in_order(walk, expected), walk


def test_a_video_shows_its_first_frame_before_it_is_played(
    loop: qasync.QEventLoop, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(mp4_bytes())
    if clip.stat().st_size < 1000:
        pytest.skip("ffmpeg is not installed (make test installs it): no real video to show")
    player = VideoPlayer()
    player.resize(320, 260)
    player.show()
    assert player.video is not None
    sink = player.video.videoSink()
    act(loop, lambda: player.load(str(clip)))
    until(loop, lambda: sink.videoFrame().isValid())
    poster = sink.videoFrame().toImage()
    lightest = max(
        QColor(poster.pixel(x, y)).lightness()
        for x in range(0, poster.width(), 4)
        for y in range(0, poster.height(), 4)
    )
    assert lightest > 100  # the picture (test bars), not a black box
    assert player.player is not None
    assert player.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState
    assert player.play_button.text() == PLAY  # waiting for a click, not playing
    player.release()
    player.deleteLater()
    settle(loop)


@pytest.fixture
def calm_style(qapp: QApplication) -> Iterator[QApplication]:
    """The app's own style, put back to the system scheme afterwards."""
    before = qapp.palette()
    theme.follow_system_scheme(qapp, "light")
    yield qapp
    theme.set_theme(qapp, "system")
    qapp.setPalette(before)


def _controls() -> list[QWidget]:
    """One of each kind of control the pages have."""
    combo = QComboBox()
    combo.addItems(["Auto — your order", "Groq"])
    editable = QComboBox()
    editable.setEditable(True)
    editable.addItem("black-forest-labs/FLUX.1-schnell")
    tabs = QTabBar()
    tabs.addTab("Chat")
    tabs.addTab("Images")
    items = QListWidget()
    items.addItems(["Groq", "Cerebras"])
    return [
        QPushButton("Save"),
        RunButton("Make image"),
        QToolButton(text="Pick…"),
        QCheckBox("Random"),
        combo,
        editable,
        QLineEdit("x"),
        QSpinBox(),
        QPlainTextEdit("A lighthouse"),
        QSlider(Qt.Orientation.Horizontal),
        items,
        tabs,
    ]


def _ring_pixels(widget: QWidget) -> int:
    """Pixels of ``widget`` in its ring colours (the highlight, or the text colour on a
    control that is itself the highlight colour)."""
    image = widget.grab().toImage()
    palette = widget.palette()
    rings = {
        theme.ring_colour(palette, palette.color(QPalette.ColorRole.Button)).rgb(),
        palette.color(QPalette.ColorRole.Highlight).rgb(),
    }
    found = 0
    for x in range(image.width()):
        for y in range(image.height()):
            pixel = QColor(image.pixel(x, y))
            if any(_near(pixel, QColor(ring)) for ring in rings):
                found += 1
    return found


def _near(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 60


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_control_shows_a_focus_ring_when_tab_reaches_it(
    calm_style: QApplication, scheme: str
) -> None:
    theme.set_theme(calm_style, scheme)
    for control in _controls():
        host = QWidget()
        try:
            unfocused, focused = _focus_by_tab(host, control)
        finally:
            host.close()
            host.deleteLater()
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert focused - unfocused > 40, (scheme, type(control).__name__, unfocused, focused)


def _focus_by_tab(host: QWidget, control: QWidget) -> tuple[int, int]:
    """Ring pixels of ``control`` before and after Tab moved the focus onto it."""
    row = QHBoxLayout(host)
    before = QLineEdit(host)
    row.addWidget(before)
    row.addWidget(control)
    host.resize(420, 90)
    host.show()
    host.activateWindow()
    before.setFocus()
    QApplication.processEvents()
    unfocused = _ring_pixels(control)
    QTest.keyClick(before, Qt.Key.Key_Tab)  # as a person moves on with the keyboard
    QApplication.processEvents()
    assert control.hasFocus(), type(control).__name__
    return unfocused, _ring_pixels(control)


def test_tab_reaches_the_messages_in_order_before_the_message_box(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({"HF_TOKEN": "hf_x"})
    history = window.services.history
    cid = history.create_conversation("Lisbon", "m", "auto")
    history.add_message(cid, "user", "first question")
    history.add_message(cid, "assistant", "first answer", provider="groq")
    chat = window.chat
    chat.open_conversation(cid)
    until(loop, lambda: len(chat.view.widgets()) == 2)
    chat.view.append(MessageData(id=None, role="user", text="a later question"))
    walk = _tab_walk(window, chat.model_picker, steps=30)
    texts = [w.data.text for w in chat.view.widgets()]
    assert texts == ["first question", "first answer", "a later question"]
    expected = ["Model", "Browse models", "Provider", "Compare…", *texts, "Message", "Send"]
    assert _in_order(walk, expected), walk
