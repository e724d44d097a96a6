"""Messages: add one, read one, grow a streaming answer, finish it, cut a conversation short.

A streaming answer is a row from the start: it is inserted as ``interrupted`` with empty
content, grows through :meth:`Messages.append_text` while the text arrives, and only the final
:meth:`Messages.update_message` marks it ``complete``. A crash therefore leaves the partial
text, marked ``interrupted``.

Why streamed text goes to ``message_parts`` and not straight into ``messages.content``: the
full-text trigger on ``content`` removes and re-adds the *whole* message from the index on
every change, so appending to a long answer got slower with every batch (7–17 ms per batch
at 110 KB). A part is one small INSERT whatever the answer's length. Readers see
``content`` followed by the parts, so the text is complete at any moment; the parts are
folded into ``content`` once, when the answer ends (finished, failed or stopped), which
indexes it once. A crash leaves parts behind; :meth:`Messages.settle_streams` folds them at
the next open, so an interrupted answer is searchable too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, Final

from desktop.core.vocab import Status
from desktop.store.db import StorePart
from desktop.store.records import ROLES, STATUSES, UNSET, HistoryError, StoredMessage, Unset
from desktop.store.rows import (
    columns_of,
    decode_dict,
    decode_list,
    encode_dict,
    encode_files,
    from_row,
    stored_status,
)
from desktop.store.versions import choose, shown_leaf

MESSAGE_COLUMNS: Final = columns_of(StoredMessage)
"""The ``messages`` columns, one per :class:`StoredMessage` field (same names)."""


def row_to_message(row: Any) -> StoredMessage:
    """A :class:`StoredMessage` from a row with :data:`MESSAGE_COLUMNS`."""
    return from_row(
        StoredMessage,
        row,
        status=stored_status(row["status"]),
        attachments=decode_list(row["attachments"]),
        trace=decode_dict(row["trace"]),
        usage=decode_dict(row["usage"]),
    )


def message_value(column: str, value: Any) -> Any:
    """Validate and encode one message column for SQLite."""
    if column == "status" and value not in STATUSES:
        raise ValueError(f"Unknown message status {value!r}.")
    if column == "attachments":
        return encode_files(value, "attachment")
    if column in ("trace", "usage"):
        return encode_dict(value)
    return value


def with_parts(conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[StoredMessage]:
    """Messages from rows, each with the text still streaming into it appended."""
    messages = [row_to_message(r) for r in rows]
    if not messages or not _has_parts(conn):
        return messages
    # Only answers streaming right now have parts, so the whole table is small.
    wanted = {m.id for m in messages}
    parts: dict[int, list[str]] = {}
    for message_id, text in conn.execute("SELECT message_id, text FROM message_parts ORDER BY id"):
        if message_id in wanted:
            parts.setdefault(message_id, []).append(text)
    return [
        m._replace(content=m.content + "".join(parts[m.id])) if m.id in parts else m
        for m in messages
    ]


def _has_parts(conn: sqlite3.Connection) -> bool:
    """Whether any text is waiting in ``message_parts`` (False before schema 3)."""
    try:
        return conn.execute("SELECT 1 FROM message_parts LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # an older schema (tests open one on purpose)
        return False


def _parent_for(conn: sqlite3.Connection, conversation_id: int, version_of: int | None) -> Any:
    """What a new message follows: the last one shown, or the parent of ``version_of``."""
    if version_of is None:
        return shown_leaf(conn, conversation_id)
    row = conn.execute(
        "SELECT parent_id FROM messages WHERE id = ? AND conversation_id = ?",
        (version_of, conversation_id),
    ).fetchone()
    if row is None:
        raise HistoryError(f"Message {version_of} is not in conversation {conversation_id}.")
    return row[0]


def _take_parts(conn: sqlite3.Connection, message_id: int) -> str:
    """Remove a message's streamed parts and return their text, in order ("" if none)."""
    rows = conn.execute(
        "SELECT text FROM message_parts WHERE message_id = ? ORDER BY id", (message_id,)
    ).fetchall()
    if not rows:
        return ""
    conn.execute("DELETE FROM message_parts WHERE message_id = ?", (message_id,))
    return "".join(r[0] for r in rows)


class Messages(StorePart):
    """The messages of conversations."""

    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        *,
        attachments: Sequence[Mapping[str, Any]] | None = None,
        model: str | None = None,
        provider: str | None = None,
        provider_model: str | None = None,
        status: str = Status.COMPLETE,
        error: str | None = None,
        trace: Mapping[str, Any] | None = None,
        usage: Mapping[str, Any] | None = None,
        ttft_ms: float | None = None,
        duration_ms: float | None = None,
        version_of: int | None = None,
    ) -> int:
        """Append a message to a conversation and return its id.

        The message follows the last one shown; with ``version_of`` it becomes a new version
        of that message instead (same place, shown in its stead; the old one is kept).

        A streaming answer starts as ``status="interrupted"`` with empty content, grows with
        :meth:`append_text` and is finished with :meth:`update_message`.

        Raises:
            ValueError: unknown role or status, or an attachment without a path.
            HistoryError: the conversation does not exist.
        """
        if role not in ROLES:
            raise ValueError(f"Unknown message role {role!r}.")
        status = message_value("status", status)
        encoded_attachments = message_value("attachments", attachments)
        now = self._db.clock()
        with self._db.write() as conn:
            touched = conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
            )
            if touched.rowcount == 0:
                raise HistoryError(f"Conversation {conversation_id} does not exist.")
            parent = _parent_for(conn, conversation_id, version_of)
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, role, content, attachments, model, "
                "provider, provider_model, status, error, trace, usage, ttft_ms, duration_ms, "
                "created_at, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    role,
                    content,
                    encoded_attachments,
                    model,
                    provider,
                    provider_model,
                    status,
                    error,
                    message_value("trace", trace),
                    message_value("usage", usage),
                    ttft_ms,
                    duration_ms,
                    now,
                    parent,
                ),
            )
            new_id = int(cur.lastrowid or 0)
            if version_of is not None:
                choose(conn, new_id)
            return new_id

    def get_message(self, message_id: int) -> StoredMessage | None:
        """One message (with any text still streaming into it), or None."""
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            return None if row is None else with_parts(conn, [row])[0]

    def append_text(self, message_id: int, text: str) -> bool:
        """Append streamed text to a message: one INSERT of a part, the same cost at any
        length, no full-text work (see the module's notes).

        Returns False if the message is gone (the conversation was deleted mid-stream), so
        the caller can stop without an exception.
        """
        if not text:
            return True
        with self._db.write() as conn:
            cur = conn.execute(
                "INSERT INTO message_parts (message_id, text) SELECT id, ? FROM messages "
                "WHERE id = ?",
                (text, message_id),
            )
            return cur.rowcount > 0

    def settle_streams(self) -> int:
        """Fold the parts of answers whose stream never ended (the app was killed) into their
        messages, indexing each once; returns how many messages had parts."""
        with self._db.read() as conn:
            if not _has_parts(conn):
                return 0
        with self._db.write() as conn:
            ids = [r[0] for r in conn.execute("SELECT DISTINCT message_id FROM message_parts")]
            for message_id in ids:
                conn.execute(
                    "UPDATE messages SET content = content || ? WHERE id = ?",
                    (_take_parts(conn, message_id), message_id),
                )
        return len(ids)

    def update_message(
        self,
        message_id: int,
        *,
        content: str | Unset = UNSET,
        status: str | Unset = UNSET,
        provider: str | Unset | None = UNSET,
        provider_model: str | Unset | None = UNSET,
        error: str | Unset | None = UNSET,
        trace: Mapping[str, Any] | Unset | None = UNSET,
        usage: Mapping[str, Any] | Unset | None = UNSET,
        ttft_ms: float | Unset | None = UNSET,
        duration_ms: float | Unset | None = UNSET,
    ) -> bool:
        """Change only the given columns (``None`` clears one; leaving it out keeps it).

        Also touches the conversation's ``updated_at``. Returns False if the message is gone.
        """
        given: dict[str, Any] = {
            "content": content,
            "status": status,
            "provider": provider,
            "provider_model": provider_model,
            "error": error,
            "trace": trace,
            "usage": usage,
            "ttft_ms": ttft_ms,
            "duration_ms": duration_ms,
        }
        values = {
            column: message_value(column, value)
            for column, value in given.items()
            if not isinstance(value, Unset)
        }
        # Column names come from the fixed keys above, never from the caller.
        assignments = [f"{column} = ?" for column in values]
        params = list(values.values())
        with self._db.write() as conn:
            # Streamed parts end here: replaced by the final text, or folded into the content
            # (an answer stopped or failed mid-way); either way the index is written once.
            if "content" in values:
                conn.execute("DELETE FROM message_parts WHERE message_id = ?", (message_id,))
            elif pending := _take_parts(conn, message_id):
                assignments.append("content = content || ?")
                params.append(pending)
            if not assignments:
                found = conn.execute("SELECT 1 FROM messages WHERE id = ?", (message_id,))
                return found.fetchone() is not None
            cur = conn.execute(
                f"UPDATE messages SET {', '.join(assignments)} WHERE id = ?",
                (*params, message_id),
            )
            if cur.rowcount == 0:
                return False
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = "
                "(SELECT conversation_id FROM messages WHERE id = ?)",
                (self._db.clock(), message_id),
            )
            return True

    def versions_of(self, message_id: int) -> list[StoredMessage]:
        """Every version of ``message_id``'s turn, oldest first (empty if it is gone)."""
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT conversation_id, parent_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return []
            rows = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? "
                "AND parent_id IS ? ORDER BY id",
                (row[0], row[1]),
            ).fetchall()
            return with_parts(conn, rows)

    def delete_message_and_after(self, conversation_id: int, message_id: int) -> int:
        """Delete a message and every later one of its conversation (edit & resend,
        regenerate); returns how many were deleted (0 if the message is not in it)."""
        with self._db.write() as conn:
            found = conn.execute(
                "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?",
                (message_id, conversation_id),
            ).fetchone()
            if found is None:
                return 0
            cur = conn.execute(
                "DELETE FROM messages WHERE conversation_id = ? AND id >= ?",
                (conversation_id, message_id),
            )
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?",
                (self._db.clock(), conversation_id),
            )
            return cur.rowcount
