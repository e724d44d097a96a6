"""Rendering answers: safe HTML, highlighted code, and where streaming may re-render."""

from __future__ import annotations

import pytest

from desktop.ui.chat.markdown import (
    COPY_SCHEME,
    MarkdownTheme,
    render_markdown,
)
from desktop.ui.chat.stream_blocks import BlockSplitter, Piece

THEME = MarkdownTheme(
    dark=False,
    code_background="#f0f0f0",
    inline_code_background="#eeeeee",
    border="#cccccc",
    muted="#888888",
)


def test_raw_html_is_escaped() -> None:
    html = render_markdown("<script>alert(1)</script> and <b>bold</b>", THEME).html
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;" in html


def test_images_become_links_and_are_never_loaded() -> None:
    html = render_markdown("![a cat](https://example.com/cat.png)", THEME).html
    assert "<img" not in html
    assert 'href="https://example.com/cat.png"' in html
    assert "[image: a cat]" in html
    local = render_markdown("![secret](file:///etc/passwd)", THEME).html
    assert "<img" not in local
    assert "href=" not in local  # shown as text, never as a link or an image


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "relative/path"]
)
def test_unsafe_links_are_not_links(link: str) -> None:
    html = render_markdown(f"[click]({link})", THEME).html
    assert "<a " not in html


def test_safe_links_stay() -> None:
    html = render_markdown("[docs](https://huggingface.co/docs)", THEME).html
    assert '<a href="https://huggingface.co/docs">docs</a>' in html


def test_code_is_highlighted_inline_and_copyable() -> None:
    rendered = render_markdown("```python\ndef f():\n    return 1\n```\n\n```\nplain\n```", THEME)
    assert rendered.code_blocks == ["def f():\n    return 1", "plain"]
    assert "style=" in rendered.html and "color" in rendered.html
    assert 'class="' not in rendered.html  # inline styles only: Qt has no stylesheet for classes
    assert f"{COPY_SCHEME}:0" in rendered.html and f"{COPY_SCHEME}:1" in rendered.html
    assert "#f0f0f0" in rendered.html


def test_unknown_language_is_plain_escaped_text() -> None:
    rendered = render_markdown("```nosuchlang\n<a>\n```", THEME)
    assert "&lt;a&gt;" in rendered.html


def test_tables_get_borders() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |", THEME).html
    assert '<table border="1"' in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("no boundary yet", 0),
        ("para one\n\npara two", len("para one\n\n")),
        ("a\n\nb\n\nc", len("a\n\nb\n\n")),
        ("```\ncode\n\nstill code", len("```\ncode\n\n")),  # code lines go out as they come
        ("```py\ncode\n```\nafter", len("```py\ncode\n```\n")),
        ("~~~~\nx\n~~~\nstill\n~~~~\n", len("~~~~\nx\n~~~\nstill\n~~~~\n")),
        ("text\n\n```\nopen", len("text\n\n```\n")),
        ("1. item\n\n   more of the item", 0),  # an indented line keeps the list item open
        ("1. item\n\nNext", len("1. item\n\n")),
    ],
)
def test_finished_pieces_end_where_blocks_end(text: str, expected: int) -> None:
    splitter = BlockSplitter()
    pieces = splitter.feed(text)
    assert splitter.committed == expected
    # Fed one character at a time, the same pieces come out (each text exactly once).
    slow = BlockSplitter()
    drip = [p for n in range(1, len(text) + 1) for p in slow.feed(text[:n])]
    assert "".join(p.text for p in drip) == "".join(p.text for p in pieces)
    assert slow.committed == expected


def test_an_endless_paragraph_is_cut_at_sentence_ends() -> None:
    splitter = BlockSplitter(soft_limit=100)
    text = ""
    pieces = []
    for n in range(400):
        text += f"Sentence {n} ends here. "
        pieces += splitter.feed(text)
    assert len(pieces) > 10
    assert all(len(p.text) <= 260 for p in pieces)  # the live part stays short
    assert all(p.text.endswith(". ") for p in pieces)
    pieces += splitter.finish(text)
    assert "".join(p.text for p in pieces) == text


def test_a_long_code_block_goes_out_line_by_line_in_one_box() -> None:
    splitter = BlockSplitter()
    text = "```python\n"
    pieces = splitter.feed(text)
    for n in range(50):
        text += f"x{n} = {n}\n"
        pieces += splitter.feed(text)
    text += "```\nafter"
    pieces += splitter.finish(text)
    code = [p for p in pieces if p.kind == "code"]
    assert [p.first for p in code] == [True] + [False] * (len(code) - 1)
    assert [p.last for p in code] == [False] * (len(code) - 1) + [True]
    assert {p.language for p in code} == {"python"}
    assert "".join(p.text for p in code) == "".join(f"x{n} = {n}\n" for n in range(50))
    assert pieces[-1] == Piece("markdown", "after")
