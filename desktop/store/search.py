"""Full-text search over conversation titles, messages and the library (SQLite FTS5).

The FTS5 tables are external-content indexes kept in step by triggers
(:mod:`desktop.store.schema`), so every insert, edit and delete (cascades included) updates
the index inside the same transaction. What a person types is turned into a safe query by
:func:`build_fts_query`; search never raises on odd input.
"""

from __future__ import annotations

from typing import Any

from desktop.store.db import StorePart
from desktop.store.library import NOTHING_MADE_SQL
from desktop.store.records import SearchHit, make_preview


def build_fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query, or None when nothing is searchable.

    Each whitespace-separated term becomes a quoted phrase (inner quotes doubled), so FTS5
    syntax characters (``" * - ( ) : ^``) and words like ``AND``/``NEAR`` are taken
    literally; terms made only of punctuation are dropped because they hold no token; the last
    term is a prefix match, so results appear while the person is still typing.
    """
    terms = [t for t in text.split() if any(ch.isalnum() for ch in t)]
    if not terms:
        return None
    quoted = ['"' + t.replace('"', '""') + '"' for t in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


class Search(StorePart):
    """Searching the history and the library."""

    def search(
        self,
        text: str,
        limit: int = 50,
        *,
        marks: tuple[str, str] = ("[", "]"),
        include_generations: bool = True,
    ) -> list[SearchHit]:
        """Full-text search over titles, message text and generations; never raises on odd
        input.

        Title matches come first (newest conversation first), then message matches by
        relevance, then generations (``generation_id`` set, ``conversation_id`` 0) in the
        places left. ``marks`` wrap each match in the snippet (the UI may pass its own).
        """
        query = build_fts_query(text)
        if query is None or limit <= 0:
            return []
        start, end = marks
        with self._db.read() as conn:
            titles = conn.execute(
                """SELECT c.id, c.title,
                          highlight(conversations_fts, 0, ?, ?) AS snippet
                   FROM conversations_fts JOIN conversations c ON c.id = conversations_fts.rowid
                   WHERE conversations_fts MATCH ?
                   ORDER BY c.updated_at DESC, c.id DESC
                   LIMIT ?""",
                (start, end, query, limit),
            ).fetchall()
            messages = conn.execute(
                """SELECT m.conversation_id, m.id, c.title,
                          snippet(messages_fts, 0, ?, ?, '…', 16) AS snippet
                   FROM messages_fts
                   JOIN messages m ON m.id = messages_fts.rowid
                   JOIN conversations c ON c.id = m.conversation_id
                   WHERE messages_fts MATCH ?
                   ORDER BY messages_fts.rank, m.id DESC
                   LIMIT ?""",
                (start, end, query, max(0, limit - len(titles))),
            ).fetchall()
        hits = [SearchHit(r["id"], None, r["title"], r["snippet"]) for r in titles]
        hits += [
            SearchHit(r["conversation_id"], r["id"], r["title"], r["snippet"]) for r in messages
        ]
        if include_generations and len(hits) < limit:
            hits += self.search_generations(text, limit - len(hits), marks=marks)
        return hits

    def search_chats(self, text: str, limit: int = 50) -> list[int]:
        """Conversations whose title or messages match, best first, each once (the Library
        lists chats beside what was made)."""
        ids: dict[int, None] = {}
        for hit in self.search(text, limit * 4, marks=("", ""), include_generations=False):
            ids.setdefault(hit.conversation_id)
            if len(ids) >= limit:
                break
        return list(ids)

    def search_generations(
        self,
        text: str,
        limit: int = 50,
        *,
        task: str | None = None,
        marks: tuple[str, str] = ("[", "]"),
        hide_failed: bool = False,
    ) -> list[SearchHit]:
        """Full-text search over generations' prompts and transcripts, best match first;
        ``hide_failed`` leaves out attempts that made nothing (failed or cancelled)."""
        query = build_fts_query(text)
        if query is None or limit <= 0:
            return []
        start, end = marks
        task_clause = "AND g.task = ?" if task is not None else ""
        if hide_failed:
            task_clause += f" AND g.status NOT IN {NOTHING_MADE_SQL}"
        args: tuple[Any, ...] = (start, end, query, *((task,) if task is not None else ()), limit)
        with self._db.read() as conn:
            rows = conn.execute(
                f"""SELECT g.id, g.prompt, g.task,
                          snippet(generations_fts, -1, ?, ?, '…', 16) AS snippet
                   FROM generations_fts JOIN generations g ON g.id = generations_fts.rowid
                   WHERE generations_fts MATCH ? {task_clause}
                   ORDER BY generations_fts.rank, g.id DESC
                   LIMIT ?""",
                args,
            ).fetchall()
        return [
            SearchHit(0, None, make_preview(r["prompt"]) or r["task"], r["snippet"], r["id"])
            for r in rows
        ]
