"""The composer (keys, pasted images) and the streaming path (coalescing, rendering)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import qasync
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.core.chat_types import ChatResult
from desktop.core.trace import AttemptRecord, Trace
from desktop.core.vocab import Status
from desktop.engine.conversations import Turn
from desktop.ui.chat.composer import Composer
from desktop.ui.chat.live_turn import LiveTurn
from desktop.ui.chat.message_data import STREAMING, MessageData
from desktop.ui.chat.message_widget import MessageWidget
from desktop.ui.chat.text_view import MessageText
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import act, until


def test_ctrl_enter_sends_and_enter_makes_a_new_line(qapp: QApplication) -> None:
    composer = Composer()
    sent: list[int] = []
    composer.send_requested.connect(lambda: sent.append(1))
    QTest.keyClicks(composer.prompt, "line one")
    QTest.keyClick(composer.prompt, Qt.Key.Key_Return)
    QTest.keyClicks(composer.prompt, "line two")
    assert sent == []
    assert composer.text() == "line one\nline two"
    QTest.keyClick(composer.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent == [1]
    composer.set_busy(True)
    QTest.keyClick(composer.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent == [1]  # Ctrl+Enter never doubles as Stop
    assert composer.send_button.text() == "Stop"
    composer.deleteLater()


def test_pasting_an_image_attaches_it(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({"HF_TOKEN": "hf_x"})
    composer = window.chat.composer
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#3366cc"))
    mime = QMimeData()
    mime.setImageData(image)
    act(loop, lambda: composer.prompt.insertFromMimeData(mime))
    until(loop, lambda: len(composer.attachments()) == 1)
    attachment = composer.attachments()[0]
    assert Path(attachment.path).is_file()
    assert attachment.name == "pasted image"
    assert composer.strip.isVisibleTo(composer)
    chip = composer.strip._chips[attachment.path]
    until(loop, lambda: chip.picture.pixmap() is not None and not chip.picture.pixmap().isNull())
    assert chip.remove_button is not None
    chip.remove_button.click()
    assert composer.attachments() == []


def test_dropping_a_file_that_is_no_image_says_so(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window({"HF_TOKEN": "hf_x"})
    chat = window.chat
    bogus = tmp_path / "notes.png"
    bogus.write_text("not an image")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(bogus))])
    act(loop, lambda: chat.composer.prompt.insertFromMimeData(mime))
    until(loop, lambda: chat.message_bar.isVisibleTo(chat))
    assert "notes.png" in chat.message_bar.text_label.text()
    assert chat.composer.attachments() == []


def test_deltas_are_coalesced_into_few_updates(loop: qasync.QEventLoop, qapp: QApplication) -> None:
    widget = MessageWidget(MessageData(2, "assistant", "", status=STREAMING))
    appended: list[str] = []
    original = widget.append_stream

    def spy(chunk: str) -> None:
        appended.append(chunk)
        original(chunk)

    widget.append_stream = spy  # type: ignore[method-assign]
    live = LiveTurn("send", "m", lambda _live: None)
    live.turn_started(Turn(1, 1, 2))
    live.attach(widget)
    record = AttemptRecord("groq", "router", "m", 0.0)
    live.attempt_changed(record)
    assert "Groq" in widget.progress.text()
    for n in range(200):
        live.delta(f"w{n} ")
    assert appended == []  # nothing is drawn per token
    until(loop, lambda: bool(appended))
    live.close()
    assert "".join(appended) == "".join(f"w{n} " for n in range(200))
    assert len(appended) <= 3
    live.delta("late")  # after close: ignored
    assert widget.data.text.endswith("w199 ")
    widget.finish(
        ChatResult(
            text=widget.data.text,
            status=Status.COMPLETE,
            trace=Trace("m", "auto"),
            provider="groq",
            ttft_ms=250.0,
        )
    )
    assert widget.badge.text() == "via Groq · 0.2 s" or widget.badge.text() == "via Groq · 0.3 s"
    widget.deleteLater()


def test_streaming_renders_finished_blocks_and_appends_the_tail(qapp: QApplication) -> None:
    view = MessageText()
    view.resize(400, 100)
    view.begin_stream()
    view.append_stream("**Bold** start")
    assert "**Bold**" in view.toPlainText()  # unfinished block: plain text for now
    view.append_stream(" of para.\n\nSecond")
    text = view.toPlainText()
    assert "**" not in text and "Bold start of para." in text and text.endswith("Second")
    view.end_stream()
    assert view.toPlainText().strip().endswith("Second")
    assert view.text() == "**Bold** start of para.\n\nSecond"
    view.deleteLater()


def test_answers_cannot_load_resources(qapp: QApplication) -> None:
    view = MessageText()
    assert view.loadResource(2, QUrl("https://example.com/x.png")) is None
    assert view.loadResource(2, QUrl.fromLocalFile("/etc/passwd")) is None
    view.deleteLater()


def test_dragging_an_image_over_the_chat_highlights_the_composer(
    make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent

    window = make_window({"HF_TOKEN": "hf_x"})
    chat = window.chat
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    enter = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(chat, enter)
    assert enter.isAccepted() and chat.composer.drop_highlighted
    before = chat.composer.grab().toImage()
    QApplication.sendEvent(chat, QDragLeaveEvent())
    assert not chat.composer.drop_highlighted
    assert chat.composer.grab().toImage() != before  # the outline was really drawn
