"""Error text from a provider is shown as plain text: no markup, no links, no local files."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.ui.widgets.message_bar import MessageBar

pytestmark = pytest.mark.gui

HOSTILE = (
    "<h1>Bad Gateway</h1><a href='https://evil.example'>click</a><img src='file:///etc/hosts'>"
)


def test_a_hostile_error_body_is_shown_as_text(qapp: QApplication) -> None:
    bar = MessageBar()
    bar.show_error(f"Groq said: {HOSTILE}")
    assert bar.text_label.textFormat() == Qt.TextFormat.PlainText
    assert bar.text_label.text().endswith(HOSTILE)  # shown literally, tags and all
    assert not bar.text_label.openExternalLinks()
    bar.deleteLater()
