"""Streaming into one message view costs the new text only (issue 8), and shows the same answer.

Behaviour, not timing: the benchmarks (tests/bench) measure the cost. Here: what the user
reads after a stream equals what a stored message shows, finished pieces are rendered once
and never again, code joins one box with one copy link, and a megabyte stays selectable.
"""

from __future__ import annotations

import random
import time

import pytest
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import QApplication

from desktop.ui.chat import text_view
from desktop.ui.chat.markdown import COPY_SCHEME, MarkdownTheme, Rendered
from desktop.ui.chat.text_view import MessageText

pytestmark = pytest.mark.gui

ANSWER = (
    "# A plan\n\nFirst a paragraph with **bold** and `code`.\nIt goes on.\n\n"
    "- one\n- two\n\n  still item two\n\n"
    "```python\ndef f(x):\n    return x * 2\n\n\nprint(f(2))\n```\n"
    "Then prose after the code.\n\n> a quote\n\n"
    + "An endless paragraph goes on and on. " * 300
    + "\n\n1. last\n2. list\n"
)


def _words(text: str) -> list[str]:
    return text.split()


def _stream(view: MessageText, text: str, seed: int = 7) -> None:
    chunks = random.Random(seed)
    view.begin_stream()
    at = 0
    while at < len(text):
        size = chunks.randint(1, 60)
        view.append_stream(text[at : at + size])
        at += size


def test_streamed_text_reads_the_same_as_the_stored_answer(qapp: QApplication) -> None:
    streamed = MessageText()
    streamed.resize(600, 100)
    _stream(streamed, ANSWER)
    streamed.end_stream()
    stored = MessageText()
    stored.resize(600, 100)
    stored.set_text(ANSWER)
    assert streamed.text() == ANSWER
    # The same words in the same order (pieces may differ only in blank lines between them).
    assert _words(streamed.toPlainText()) == _words(stored.toPlainText())
    assert "**" not in streamed.toPlainText() and "```" not in streamed.toPlainText()
    streamed.deleteLater()
    stored.deleteLater()


def test_a_finished_block_is_never_rendered_again(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []
    real = text_view.render_markdown

    def counting(text: str, theme: MarkdownTheme, code_offset: int = 0) -> Rendered:
        rendered.append(text)
        return real(text, theme, code_offset)

    monkeypatch.setattr(text_view, "render_markdown", counting)
    view = MessageText()
    view.resize(600, 100)
    view.begin_stream()
    view.append_stream("First paragraph.\n\n")
    assert rendered == []  # the block's end is known only when the next line starts
    view.append_stream("Second")
    assert rendered == ["First paragraph.\n\n"]
    view.append_stream(" paragraph grows")
    assert rendered == ["First paragraph.\n\n"]
    for _ in range(50):
        view.append_stream(" and grows")
    view.append_stream(".\n\nThird.")
    assert rendered == [
        "First paragraph.\n\n",
        "Second paragraph grows" + " and grows" * 50 + ".\n\n",
    ]
    view.end_stream()
    assert rendered[-1] == "Third."
    # Every character was rendered exactly once, and finishing shows nothing twice.
    assert "".join(rendered) == view.text()
    view.set_text(view.text())
    assert len(rendered) == 3
    view.deleteLater()


def test_a_streamed_code_block_is_one_box_with_one_copy_link(qapp: QApplication) -> None:
    view = MessageText()
    view.resize(600, 100)
    code = "".join(f"line_{n} = {n}\n" for n in range(120))
    _stream(view, f"Here:\n\n```python\n{code}```\n\nDone.")
    view.end_stream()
    html = view.toHtml()
    assert html.count("Copy code") == 1
    assert html.count(f"{COPY_SCHEME}:0") == 1
    plain = view.toPlainText()
    assert "line_0 = 0\nline_119 = 119" in plain.replace("\n\n", "\n") or (
        "line_0 = 0" in plain and "line_119 = 119" in plain
    )
    view.anchorClicked.emit(text_view.QUrl(f"{COPY_SCHEME}:0"))
    assert QGuiApplication.clipboard().text() == code.rstrip("\n")
    view.deleteLater()


def test_a_megabyte_answer_stays_selectable(qapp: QApplication) -> None:
    view = MessageText()
    view.resize(700, 100)
    paragraph = "Words that keep coming, one sentence after another. " * 40 + "\n\n"
    text = paragraph * (1_000_000 // len(paragraph) + 1)
    view.begin_stream()
    for start in range(0, len(text), 20_000):
        view.append_stream(text[start : start + 20_000])
    view.end_stream()
    assert len(view.text()) >= 1_000_000
    view.show()
    full = view.document().size().height()  # lays it all out
    assert full > 10_000
    # The view grows to the whole answer as the layout reports it, so the page scrolls to
    # its end (the layout may report in steps while events run; a deadline, no sleep).
    deadline = time.monotonic() + 10
    while view.height() < full and time.monotonic() < deadline:
        QApplication.processEvents()
    assert view.height() >= full
    cursor = QTextCursor(view.document())
    cursor.select(QTextCursor.SelectionType.Document)
    view.setTextCursor(cursor)
    selected = view.textCursor().selectedText()
    assert len(selected) > 990_000
    view.deleteLater()


def test_a_stream_picked_up_again_mid_code_block_ends_whole(qapp: QApplication) -> None:
    """Coming back to a conversation mid-answer rebuilds the view from the text so far."""
    first = "Intro.\n\n```python\nx = 1\ny = 2\n"
    view = MessageText()
    view.resize(600, 100)
    view.begin_stream(first)  # what arrived while another conversation was open
    view.append_stream("z = 3\n```\n\nDone.")
    view.end_stream()
    assert view.text() == first + "z = 3\n```\n\nDone."
    assert view.toHtml().count("Copy code") == 1
    view.anchorClicked.emit(text_view.QUrl(f"{COPY_SCHEME}:0"))
    assert QGuiApplication.clipboard().text() == "x = 1\ny = 2\nz = 3"
    assert _words(view.toPlainText())[-1] == "Done."
    view.deleteLater()


def test_stopping_inside_a_code_block_keeps_what_arrived(qapp: QApplication) -> None:
    view = MessageText()
    view.resize(600, 100)
    view.begin_stream()
    for part in ("Look:\n\n", "```sh\n", "echo one\n", "echo tw"):
        view.append_stream(part)
    view.end_stream()  # Stop pressed: the open block is shown as it is, no fence marks
    plain = view.toPlainText()
    assert "echo one" in plain and "echo tw" in plain and "```" not in plain
    view.anchorClicked.emit(text_view.QUrl(f"{COPY_SCHEME}:0"))
    assert QGuiApplication.clipboard().text() == "echo one\necho tw"
    view.deleteLater()


def test_switching_to_dark_mid_stream_keeps_the_answer(qapp: QApplication) -> None:
    from desktop.ui.theme import dark_palette

    view = MessageText()
    view.resize(600, 100)
    half = len(ANSWER) // 2
    view.begin_stream()
    view.append_stream(ANSWER[:half])
    view.setPalette(dark_palette())  # the system switched to dark while the answer streams
    view.append_stream(ANSWER[half:])
    view.end_stream()
    stored = MessageText()
    stored.resize(600, 100)
    stored.set_text(ANSWER)
    assert _words(view.toPlainText()) == _words(stored.toPlainText())
    view.deleteLater()
    stored.deleteLater()
