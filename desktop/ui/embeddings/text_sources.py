"""Texts to embed from what people have: typed lines, a ``.txt`` file, a ``.csv`` export.

Why the CSV guessing: people bring spreadsheets (reviews, product names, support tickets)
where the text sits in some column next to ids, dates and numbers. The loader finds the
first column that mostly holds words rather than numbers, and skips the first row when it
looks like a header (csv.Sniffer, plus the plain rule "its cell in that column differs in
kind from the rest"). Reading files is blocking: the page runs :func:`read_texts` in the
thread pool. No Qt here.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import SwitchboardError

TEXT_SUFFIXES = (".txt", ".csv", ".tsv")
MAX_FILE_BYTES = 20 * 1024 * 1024
OPEN_FILTER = "Text or CSV files (*.txt *.csv *.tsv);;All files (*)"

_NUMBER = re.compile(r"^[\s$€£%+-]*[\d.,]+(e[+-]?\d+)?[\s%]*$", re.IGNORECASE)
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
HEADER_NAMES = frozenset(
    {
        "text",
        "texts",
        "sentence",
        "sentences",
        "title",
        "name",
        "body",
        "content",
        "review",
        "comment",
        "description",
        "question",
        "query",
        "document",
        "message",
        "prompt",
        "input",
        "phrase",
        "label",
        "summary",
        "abstract",
        "headline",
        "caption",
        "note",
        "notes",
    }
)
"""Words that head a column of text in the spreadsheets people export."""


@dataclass(frozen=True)
class LoadedTexts:
    """Texts read from a file, and one sentence saying where they came from."""

    texts: list[str]
    note: str


class TextFileError(SwitchboardError):
    """A file that gave no texts; the message is one sentence for a person."""


def lines_to_texts(text: str) -> list[str]:
    """One text per non-empty line, surrounding spaces removed."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.match(cell)) if cell.strip() else False


def _is_texty(cell: str) -> bool:
    stripped = cell.strip()
    return bool(stripped) and not _is_number(stripped)


def _text_column(rows: list[list[str]]) -> int | None:
    """The first column whose cells are mostly words (ignoring the first row)."""
    body = rows[1:] if len(rows) > 1 else rows
    width = max((len(r) for r in rows), default=0)
    for column in range(width):
        cells = [r[column] for r in body if column < len(r) and r[column].strip()]
        if cells and sum(_is_texty(c) for c in cells) >= 0.6 * len(cells):
            return column
    return None


def _has_header(sample: str, rows: list[list[str]], column: int) -> bool:
    if len(rows) < 2:
        return False
    first = rows[0]
    if column < len(first) and first[column].strip().lower() in HEADER_NAMES:
        return True
    # Several columns all headed by distinct one-word names ("text", "label") over cells of
    # several words: a header the sniffer misses, since both rows are "words".
    names = [cell.strip() for cell in first]
    if (
        len(names) > 1
        and len(set(names)) == len(names)
        and all(_IDENTIFIER.match(n) for n in names)
        and any(len(r[column].split()) > 1 for r in rows[1:] if column < len(r))
    ):
        return True
    with_sniffer = False
    try:
        with_sniffer = csv.Sniffer().has_header(sample)
    except csv.Error:
        with_sniffer = False
    if with_sniffer:
        return True
    # A word above a column of numbers is a header too.
    worded = [i for i, cell in enumerate(first) if i != column and _is_texty(cell)]
    return bool(worded) and all(
        not _is_texty(r[i]) for r in rows[1:] for i in worded if i < len(r) and r[i].strip()
    )


def csv_texts(content: str, name: str = "the file") -> LoadedTexts:
    """The texts of the first text column of CSV (or TSV) ``content``.

    Raises:
        TextFileError: no column holds words.
    """
    sample = content[: 64 * 1024]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(content), dialect) if any(c.strip() for c in row)]
    if not rows:
        raise TextFileError(f"{name} has no rows.")
    column = _text_column(rows)
    if column is None:
        raise TextFileError(f"{name} has no column of text, only numbers.")
    header = _has_header(sample, rows, column)
    body = rows[1:] if header else rows
    texts = [r[column].strip() for r in body if column < len(r) and r[column].strip()]
    if not texts:
        raise TextFileError(f"{name} has a header but no rows of text under it.")
    where = f"column “{rows[0][column].strip()}”" if header else f"column {column + 1}"
    return LoadedTexts(texts, f"{len(texts)} texts from {where} of {name}.")


def read_texts(path: Path, max_bytes: int = MAX_FILE_BYTES) -> LoadedTexts:
    """Blocking: the texts of a ``.txt`` (one per line) or ``.csv``/``.tsv`` file.

    Raises:
        TextFileError: the file is of another kind, too big, unreadable or has no text.
    """
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES:
        raise TextFileError(
            f"{path.name} is not a text or CSV file; load a .txt with one text per line "
            "or a .csv with a column of text."
        )
    try:
        if path.stat().st_size > max_bytes:
            raise TextFileError(f"{path.name} is larger than {max_bytes >> 20} MB.")
        raw = path.read_bytes()
    except OSError as exc:
        raise TextFileError(f"Could not open {path.name}: {exc.strerror or exc}.") from exc
    content = raw.decode("utf-8-sig", errors="replace")
    if suffix == ".txt":
        texts = lines_to_texts(content)
        if not texts:
            raise TextFileError(f"{path.name} is empty.")
        return LoadedTexts(texts, f"{len(texts)} texts from {path.name}, one per line.")
    return csv_texts(content, path.name)
