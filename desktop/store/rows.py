"""Between SQLite rows and records: JSON columns encoded on the way in, decoded on the way out.

Decoding never raises: a damaged JSON column reads as empty (``None`` or ``[]``) so one bad
row cannot hide a whole conversation or library.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from desktop.core.vocab import Status
from desktop.store.records import COMPUTED


def encode_json(value: Any) -> str | None:
    """``value`` as JSON text (``None`` stays NULL)."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


def encode_dict(value: Mapping[str, Any] | None) -> str | None:
    """A mapping column (trace, usage) as JSON text, or NULL."""
    return encode_json(None if value is None else dict(value))


def encode_files(items: Sequence[Mapping[str, Any]] | None, what: str) -> str:
    """``items`` (attachments, generation files) as JSON; each must have a ``path`` string.

    Raises:
        ValueError: an item without a ``path`` string (``what`` names it in the message).
    """
    checked = [dict(item) for item in items or ()]
    for item in checked:
        if not isinstance(item.get("path"), str):
            raise ValueError(f"Every {what} needs a 'path' string.")
    return json.dumps(checked, ensure_ascii=False)


def decode_dict(text: str | None) -> dict[str, Any] | None:
    """A JSON object column, or None when NULL or damaged."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def decode_list(text: str | None) -> list[dict[str, Any]]:
    """A JSON list-of-objects column; damaged text or non-object items are dropped."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


R = TypeVar("R", bound=NamedTuple)


def stored_status(raw: str) -> str:
    """A stored status as the :class:`Status` it names (the same string, typed)."""
    return Status(raw) if raw in Status._value2member_map_ else raw


def from_row(cls: type[R], row: sqlite3.Row, **decoded: Any) -> R:
    """A record whose fields are the row's columns of the same names, except ``decoded``;
    a :data:`COMPUTED` field that is not in ``decoded`` gets its default.

    Made from the values in field order (``_make``), twice as fast as by keyword: a history
    of a thousand conversations is a thousand records (issue 8).
    """
    computed = COMPUTED.get(cls, frozenset())
    defaults = cls._field_defaults
    return cls._make(
        [
            decoded[name] if name in decoded else defaults[name] if name in computed else row[name]
            for name in cls._fields
        ]
    )


def columns_of(cls: type[NamedTuple]) -> str:
    """The ``SELECT`` list for a record: one column per field, same names."""
    return ", ".join(_columns(cls))


def _columns(cls: type[NamedTuple]) -> tuple[str, ...]:
    """The record's fields that are columns: all but those :data:`COMPUTED` names."""
    computed = COMPUTED.get(cls, frozenset())
    return tuple(name for name in cls._fields if name not in computed)
