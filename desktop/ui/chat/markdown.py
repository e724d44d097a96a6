"""Markdown to the HTML subset Qt's rich text engine shows, safely and theme-aware.

Why here and like this: answers are untrusted text. Raw HTML is escaped (markdown-it with
``html=False``), images are turned into plain links so no resource is ever fetched, and only
``http``/``https``/``mailto`` links survive. Code is highlighted by Pygments into inline
styles, because Qt's rich text has no external stylesheet for classes. The module is pure
text processing (no Qt), so the rules are easy to test.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily: markdown-it and Pygments cost startup time
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

COPY_SCHEME = "switchboard-copy"
"""Links ``switchboard-copy:<n>`` copy code block ``n`` to the clipboard."""

SAFE_SCHEMES = ("http", "https", "mailto")


@dataclass(frozen=True)
class MarkdownTheme:
    """Colours (``#rrggbb``) taken from the widget palette, so both light and dark work."""

    dark: bool
    code_background: str
    inline_code_background: str
    border: str
    muted: str


@dataclass
class Rendered:
    """HTML for a QTextDocument, plus the raw code blocks its copy links refer to."""

    html: str
    code_blocks: list[str] = field(default_factory=list)


def render_markdown(text: str, theme: MarkdownTheme, code_offset: int = 0) -> Rendered:
    """Render ``text`` to Qt-friendly HTML with highlighted, copyable code blocks.

    ``code_offset`` numbers the copy links after the code blocks already shown above this
    text (a streamed answer is rendered piece by piece).
    """
    code_blocks: list[str] = []
    env: dict[str, Any] = {"theme": theme, "code_blocks": code_blocks, "code_offset": code_offset}
    body = _markdown().render(text, env)
    return Rendered(body, code_blocks)


def warm_up() -> None:
    """Import markdown-it and Pygments and build the renderer once (blocking: off the loop).

    Why: the first answer would otherwise pay ~50 ms of imports in the middle of its stream,
    a visible stall (issue 8). The chat page runs this in the pool when it opens.
    """
    for dark in (False, True):
        theme = MarkdownTheme(dark, "#ffffff", "#ffffff", "#ffffff", "#ffffff")
        render_markdown("# a\n\n*b* `c` [d](https://e.org)\n\n```python\nx = 1\n```\n", theme)


def default_stylesheet(theme: MarkdownTheme) -> str:
    """A calm default stylesheet for a QTextDocument showing rendered answers."""
    return (
        "p, ul, ol, blockquote, pre { margin-top: 0px; margin-bottom: 8px; }"
        "li { margin-bottom: 2px; }"
        "h1 { font-size: x-large; margin-top: 8px; margin-bottom: 6px; }"
        "h2 { font-size: large; margin-top: 8px; margin-bottom: 6px; }"
        "h3, h4, h5, h6 { font-size: medium; margin-top: 6px; margin-bottom: 4px; }"
        f"blockquote {{ color: {theme.muted}; margin-left: 12px; }}"
        "table { margin-bottom: 8px; }"
    )


# --- markdown-it set-up -----------------------------------------------------------------


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    class SafeMarkdown(MarkdownIt):
        def validateLink(self, url: str) -> bool:
            return _is_safe_link(url)

    md = SafeMarkdown("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_fence)
    md.add_render_rule("code_inline", _render_code_inline)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("table_open", _render_table_open)
    return md


def _is_safe_link(url: str) -> bool:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    # Relative links mean nothing in a chat answer; refusing them keeps every link absolute.
    return scheme in SAFE_SCHEMES


def _theme(env: dict[str, Any]) -> MarkdownTheme:
    theme = env["theme"]
    assert isinstance(theme, MarkdownTheme)
    return theme


def _render_fence(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    token = tokens[idx]
    theme = _theme(env)
    code = token.content
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    blocks: list[str] = env["code_blocks"]
    blocks.append(code.rstrip("\n"))
    number = int(env.get("code_offset", 0)) + len(blocks) - 1
    return code_box(code.rstrip("\n"), language, theme, number)


CODE_GAP_PX = 8
"""Space under a code box, like under a paragraph."""


def code_box(
    code: str, language: str, theme: MarkdownTheme, number: int, *, last: bool = True
) -> str:
    """A highlighted code block on a tinted background, headed by its language and a
    "Copy code" link.

    Why tinted blocks and no table: Qt lays out a table as one unit, so a code box that grows
    line by line while streaming would be laid out again in full for every line (O(n²) for a
    long block). Blocks with a background grow one block at a time.
    """
    label = html.escape(language) if language else "code"
    return (
        f'<p style="background-color:{theme.code_background}; margin-top:0px; '
        f'margin-bottom:0px; text-indent:{CODE_INDENT_PX}px;">'
        f'<span style="color:{theme.muted}; font-size:small;">{label}</span>&nbsp;&nbsp;&nbsp;'
        f'<a href="{COPY_SCHEME}:{number}" style="font-size:small;">Copy code</a></p>\n'
        f"{code_lines(code, language, theme, last=last)}\n"
    )


CODE_INDENT_PX = 8
"""Inner left padding of code lines (a first-line indent: every code line is its own block)."""


def code_lines(code: str, language: str, theme: MarkdownTheme, *, last: bool = False) -> str:
    """``code`` highlighted as ``<pre>`` lines on the code background, for a code box or to
    extend one while streaming; ``last`` leaves the gap under the box."""
    highlighted = highlight_code(code, language, theme.dark)
    gap = CODE_GAP_PX if last else 0
    return (
        f'<pre style="background-color:{theme.code_background}; white-space:pre-wrap; '
        f'margin-top:0px; margin-bottom:{gap}px; text-indent:{CODE_INDENT_PX}px;">'
        f"{highlighted}</pre>"
    )


def _render_code_inline(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    theme = _theme(env)
    return (
        f'<code style="background-color:{theme.inline_code_background};">'
        f"{html.escape(tokens[idx].content)}</code>"
    )


def _render_image(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    """Never load images: show the alt text as a link the user may choose to open."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = html.escape(token.content or "image")
    if _is_safe_link(src):
        return f'<a href="{html.escape(src, quote=True)}">[image: {alt}]</a>'
    return f"[image: {alt}]"


def _render_table_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    theme = _theme(env)
    return (
        f'<table border="1" cellspacing="0" cellpadding="5" '
        f'style="border-collapse:collapse; border-color:{theme.border}; margin-bottom:8px;">\n'
    )


# --- Pygments ------------------------------------------------------------------------


LIGHT_CODE_STYLE = "friendly"
DARK_CODE_STYLE = "one-dark"


def highlight_code(code: str, language: str, dark: bool) -> str:
    """``code`` as HTML spans with inline colours; unknown languages stay plain."""
    from pygments import highlight
    from pygments.util import ClassNotFound

    if not language:
        return html.escape(code)
    try:
        lexer = _lexer(language.lower())
    except ClassNotFound:
        return html.escape(code)
    return str(highlight(code, lexer, _formatter(dark))).rstrip("\n")


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name

    return get_lexer_by_name(language, stripnl=False, ensurenl=False)


@lru_cache(maxsize=2)
def _formatter(dark: bool) -> Any:
    from pygments.formatters import HtmlFormatter

    style = DARK_CODE_STYLE if dark else LIGHT_CODE_STYLE
    return HtmlFormatter(nowrap=True, noclasses=True, style=style)


def code_background(dark: bool) -> str:
    """The background colour of the Pygments style used for ``dark``."""
    from pygments.styles import get_style_by_name

    style = get_style_by_name(DARK_CODE_STYLE if dark else LIGHT_CODE_STYLE)
    return str(style.background_color or ("#282c34" if dark else "#f0f0f0"))
