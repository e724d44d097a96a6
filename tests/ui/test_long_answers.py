"""The chat view copes with the largest answer the history can hold."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop.providers.answer_limits import MAX_ANSWER_CHARS
from desktop.ui.chat.message_data import STREAMING, MessageData
from desktop.ui.chat.message_widget import SHOWN_CHARS, MessageWidget

pytestmark = pytest.mark.gui


def test_the_largest_stored_answer_shows_its_beginning_and_copies_whole(
    qapp: QApplication,
) -> None:
    text = ("A line of a very long answer.\n" * (MAX_ANSWER_CHARS // 30 + 1))[:MAX_ANSWER_CHARS]
    widget = MessageWidget(MessageData(1, "assistant", text))
    assert len(widget.body.text()) == SHOWN_CHARS
    assert widget.cut_note.isVisibleTo(widget)
    assert "8.0 MB" in widget.cut_note.text()
    widget.copy_button.click()
    assert QGuiApplication.clipboard().text() == text
    widget.deleteLater()


def test_a_stream_past_the_shown_part_stops_growing_the_view(qapp: QApplication) -> None:
    widget = MessageWidget(MessageData(2, "assistant", "", status=STREAMING))
    piece = "word " * 20_000
    for _ in range(SHOWN_CHARS // len(piece) + 3):
        widget.append_stream(piece)
    assert len(widget.body.text()) == SHOWN_CHARS
    assert len(widget.data.text) > SHOWN_CHARS
    widget.deleteLater()


def test_a_normal_answer_is_shown_whole_without_a_note(qapp: QApplication) -> None:
    widget = MessageWidget(MessageData(3, "assistant", "Short and sweet."))
    assert widget.body.text() == "Short and sweet." and not widget.cut_note.isVisibleTo(widget)
    widget.deleteLater()
