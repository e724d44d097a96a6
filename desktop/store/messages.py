"""Messages: add one, read one, grow a streaming answer, finish it, cut a conversation short.

A streaming answer is a row from the start: it is inserted as ``interrupted`` with empty
content, grows through :meth:`Messages.append_text` while the text arrives, and only the final
:meth:`Messages.update_message` marks it ``complete``. A crash therefore leaves the partial
text, marked ``interrupted``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from desktop.store.db import StorePart
from desktop.store.records import ROLES, STATUSES, UNSET, HistoryError, StoredMessage, Unset
from desktop.store.rows import (
    columns_of,
    decode_dict,
    decode_list,
    encode_dict,
    encode_files,
    from_row,
)

MESSAGE_COLUMNS: Final = columns_of(StoredMessage)
"""The ``messages`` columns, one per :class:`StoredMessage` field (same names)."""


def row_to_message(row: Any) -> StoredMessage:
    """A :class:`StoredMessage` from a row with :data:`MESSAGE_COLUMNS`."""
    return from_row(
        StoredMessage,
        row,
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
        status: str = "complete",
        error: str | None = None,
        trace: Mapping[str, Any] | None = None,
        usage: Mapping[str, Any] | None = None,
        ttft_ms: float | None = None,
        duration_ms: float | None = None,
    ) -> int:
        """Append a message to a conversation and return its id.

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
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, role, content, attachments, model, "
                "provider, provider_model, status, error, trace, usage, ttft_ms, duration_ms, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                ),
            )
            return int(cur.lastrowid or 0)

    def get_message(self, message_id: int) -> StoredMessage | None:
        """One message, or None."""
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
        return None if row is None else row_to_message(row)

    def append_text(self, message_id: int, text: str) -> bool:
        """Append streamed text to a message in one UPDATE (the FTS trigger re-indexes it).

        Returns False if the message is gone (the conversation was deleted mid-stream), so
        the caller can stop without an exception.
        """
        if not text:
            return True
        with self._db.write() as conn:
            cur = conn.execute(
                "UPDATE messages SET content = content || ? WHERE id = ?", (text, message_id)
            )
            return cur.rowcount > 0

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
        if not values:
            return self.get_message(message_id) is not None
        # Column names come from the fixed keys above, never from the caller.
        assignments = ", ".join(f"{column} = ?" for column in values)
        with self._db.write() as conn:
            cur = conn.execute(
                f"UPDATE messages SET {assignments} WHERE id = ?", (*values.values(), message_id)
            )
            if cur.rowcount == 0:
                return False
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = "
                "(SELECT conversation_id FROM messages WHERE id = ?)",
                (self._db.clock(), message_id),
            )
            return True

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
