"""Conversations: start, rename, remember the model, delete, list for the sidebar and the
Library, open one."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.store.db import StorePart
from desktop.store.messages import MESSAGE_COLUMNS, with_parts
from desktop.store.records import ChatItem, Conversation, ConversationSummary, make_preview
from desktop.store.rows import from_row
from desktop.store.versions import shown_path

CHAT_IDS_MAX = 500
"""Most conversations :meth:`Conversations.list_chat_items` fetches by id at once (SQLite
allows 999 parameters in older builds)."""


class Conversations(StorePart):
    """The conversations table; deleting one deletes its messages by cascade."""

    def create_conversation(
        self, title: str, model: str | None = None, policy: str | None = None
    ) -> int:
        """Start a conversation and return its id."""
        now = self._db.clock()
        with self._db.write() as conn:
            cur = conn.execute(
                "INSERT INTO conversations (title, created_at, updated_at, model, "
                "provider_policy) VALUES (?, ?, ?, ?, ?)",
                (title, now, now, model, policy),
            )
            return int(cur.lastrowid or 0)

    def rename_conversation(self, conversation_id: int, title: str) -> bool:
        """Change the title (searchable at once); False if there is no such conversation.

        ``updated_at`` is left alone: the list is ordered by activity, not by edits to it.
        """
        with self._db.write() as conn:
            cur = conn.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id)
            )
            return cur.rowcount > 0

    def set_conversation_model(
        self, conversation_id: int, model: str | None, policy: str | None
    ) -> bool:
        """Remember the model and provider policy last used in the conversation."""
        with self._db.write() as conn:
            cur = conn.execute(
                "UPDATE conversations SET model = ?, provider_policy = ? WHERE id = ?",
                (model, policy, conversation_id),
            )
            return cur.rowcount > 0

    def delete_conversation(self, conversation_id: int) -> bool:
        """Delete a conversation and (by cascade) its messages; False if it did not exist."""
        with self._db.write() as conn:
            cur = conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            return cur.rowcount > 0

    def list_conversations(self, limit: int = 1000) -> list[ConversationSummary]:
        """Conversations, most recently updated first."""
        with self._db.read() as conn:
            rows = conn.execute(
                """SELECT c.id, c.title, c.created_at, c.updated_at, c.model, c.provider_policy,
                       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS n,
                       (SELECT substr(m.content, 1, 400) FROM messages m
                         WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1) AS last
                   FROM conversations c
                   ORDER BY c.updated_at DESC, c.id DESC
                   LIMIT ?""",
                (limit,),
            ).fetchall()
        return [
            from_row(
                ConversationSummary, r, message_count=r["n"], preview=make_preview(r["last"] or "")
            )
            for r in rows
        ]

    def list_chat_items(
        self, limit: int = 1000, ids: Sequence[int] | None = None
    ) -> list[ChatItem]:
        """Conversations as Library items, most recently active first; only ``ids`` when given.

        Why per row subqueries: each reads a few rows of one conversation through the
        ``messages_by_conversation`` index (the first question from the start, the last
        answer from the end), so the list costs the same on a history of any size.
        """
        where = ""
        args: tuple[int, ...] = ()
        if ids is not None:
            wanted = list(dict.fromkeys(int(i) for i in ids))[:CHAT_IDS_MAX]
            if not wanted:
                return []
            where = f"WHERE c.id IN ({', '.join('?' for _ in wanted)})"
            args = tuple(wanted)
        with self._db.read() as conn:
            rows = conn.execute(
                f"""SELECT c.id, c.title, c.created_at, c.updated_at, c.model,
                       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS n,
                       (SELECT substr(m.content, 1, 400) FROM messages m
                         WHERE m.conversation_id = c.id AND m.role = 'user'
                         ORDER BY m.id LIMIT 1) AS first,
                       (SELECT m.model || char(10) || coalesce(m.provider, '') FROM messages m
                         WHERE m.conversation_id = c.id AND m.role = 'assistant'
                           AND m.model IS NOT NULL
                         ORDER BY m.id DESC LIMIT 1) AS answered
                   FROM conversations c {where}
                   ORDER BY c.updated_at DESC, c.id DESC
                   LIMIT ?""",
                (*args, limit),
            ).fetchall()
        items = []
        for r in rows:
            model, _, provider = (r["answered"] or "").partition("\n")
            items.append(
                ChatItem(
                    id=r["id"],
                    title=r["title"],
                    first_line=make_preview(r["first"] or ""),
                    model=model or r["model"],
                    provider=provider or None,
                    message_count=r["n"],
                    created_at=r["created_at"],
                    updated_at=r["updated_at"],
                )
            )
        return items

    def get_conversation(self, conversation_id: int) -> Conversation | None:
        """The conversation as shown, or None: its messages in order along the chosen
        version of each turn (see :mod:`desktop.store.versions`)."""
        with self._db.read() as conn:
            head = conn.execute(
                "SELECT id, title, created_at, updated_at, model, provider_policy "
                "FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            if head is None:
                return None
            rows = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
            messages = shown_path(with_parts(conn, rows))
        return from_row(Conversation, head, messages=messages)
