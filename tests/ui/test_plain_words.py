"""No jargon in the main path: what a person reads on every tab says things in plain words
(technical names live in tooltips and Details)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.ui.main_window import MainWindow
from desktop.ui.providers.custom_dialog import CustomEndpointDialog

pytestmark = pytest.mark.gui

JARGON = (
    "cosine",
    "NPY",
    "alias=served_name",
    "OpenAI chat API",
    "Latency mode",
    "_API_KEY",
    "Frames",
    "HF_TOKEN",
    "429",
    "(401)",
)


def shown_texts(root: QWidget) -> list[str]:
    """Every text a person reads without hovering: labels, buttons, group titles, hints."""
    texts: list[str] = []
    for label in root.findChildren(QLabel):
        texts.append(label.text())
    for button in root.findChildren(QAbstractButton):
        texts.append(button.text())
    for box in root.findChildren(QGroupBox):
        texts.append(box.title())
    for edit in root.findChildren(QLineEdit):
        texts.append(edit.placeholderText())
    for plain in root.findChildren(QPlainTextEdit):
        texts.append(plain.placeholderText())
    return [t for t in texts if t]


def test_no_jargon_on_any_tab(make_window: Callable[..., MainWindow]) -> None:
    window = make_window({"HF_TOKEN": "hf_secretTokenForThisTest0123456789"})
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        QApplication.processEvents()
    window.providers.select_provider("groq")
    found = [(word, text) for text in shown_texts(window) for word in JARGON if word in text]
    assert found == []


def test_the_add_a_server_dialog_speaks_plainly(qapp: QApplication) -> None:
    dialog = CustomEndpointDialog(validate=lambda _endpoint: None)
    found = [(word, text) for text in shown_texts(dialog) for word in JARGON if word in text]
    assert found == []
    assert "llama3=llama3.1:8b" in dialog.models.toolTip()  # the short-name form, on hover
    dialog.deleteLater()


def test_error_sentences_say_what_happened_without_status_codes() -> None:
    from desktop.core.classify import Failure, sentence
    from desktop.core.trace import Outcome

    refused = sentence(Failure(Outcome.AUTH, "", 401, whole_credential=True), "groq", via_hf=True)
    assert refused.startswith("Your Hugging Face token was refused") and "401" not in refused
    busy = sentence(Failure(Outcome.RATE_LIMITED, "", 429, 30.0), "groq", via_hf=True)
    assert busy == "Groq is busy (too many requests); try again in 30 s or use another provider."
    down = sentence(Failure(Outcome.SERVER_ERROR, "", 503), "fal-ai", via_hf=True)
    assert "503" not in down and down.startswith("fal had a server problem")


def test_the_token_link_never_breaks_mid_address(qapp: QApplication) -> None:
    from PySide6.QtGui import QTextDocument

    from desktop.ui.chat.welcome import FIRST_LAUNCH_TEXT
    from desktop.ui.providers.page import TOKEN_HELP

    for html in (FIRST_LAUNCH_TEXT, TOKEN_HELP):
        doc = QTextDocument()
        doc.setHtml(html)
        text = doc.toPlainText()
        start = text.index("huggingface.co/")
        address = text[start : text.index("tokens", start) + len("tokens")]
        assert address.replace("\u2060", "") == "huggingface.co/settings/tokens"
        for width in range(340, 900, 10):  # 520–600 broke it after "huggingface.co/"
            doc.setTextWidth(width)
            doc.size()  # lays the text out
            layout = doc.firstBlock().layout()
            lines = [layout.lineAt(i) for i in range(layout.lineCount())]
            holding = [
                line
                for line in lines
                if line.textStart() <= start < line.textStart() + line.textLength()
            ]
            (line,) = holding
            assert start + len(address) <= line.textStart() + line.textLength(), width
