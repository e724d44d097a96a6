"""The history database's schema: released migrations, in order, never edited.

``MIGRATIONS[n]`` upgrades a version-``n`` database to ``n + 1``. A released step is part of
every user's database, so its SQL stays byte-for-byte as shipped; a change is a new step
appended at the end (see :mod:`desktop.store.db` for how they run: one transaction each,
after a backup copy).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Final

Migration = Callable[[sqlite3.Connection], None]

_SCHEMA_V1: Final = (
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        model TEXT,
        provider_policy TEXT
    )""",
    # AUTOINCREMENT: ids are never reused after "delete and after", so a stale id held by
    # the UI can never point at a different, newer message.
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        content TEXT NOT NULL DEFAULT '',
        attachments TEXT NOT NULL DEFAULT '[]',
        model TEXT,
        provider TEXT,
        provider_model TEXT,
        status TEXT NOT NULL DEFAULT 'complete',
        error TEXT,
        trace TEXT,
        usage TEXT,
        ttft_ms REAL,
        duration_ms REAL,
        created_at REAL NOT NULL
    )""",
    "CREATE INDEX messages_by_conversation ON messages(conversation_id, id)",
    "CREATE INDEX conversations_by_updated ON conversations(updated_at)",
    # remove_diacritics 2: "cafe" finds "café".
    """CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, content='messages', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE VIRTUAL TABLE conversations_fts USING fts5(
        title, content='conversations', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content)
            VALUES ('delete', old.id, old.content);
    END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content)
            VALUES ('delete', old.id, old.content);
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END""",
    """CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
    END""",
    """CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
        INSERT INTO conversations_fts(conversations_fts, rowid, title)
            VALUES ('delete', old.id, old.title);
    END""",
    """CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
        INSERT INTO conversations_fts(conversations_fts, rowid, title)
            VALUES ('delete', old.id, old.title);
        INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
    END""",
)


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    """The first schema. Statements run one by one: ``executescript`` would COMMIT."""
    for statement in _SCHEMA_V1:
        conn.execute(statement)


_SCHEMA_V2: Final = (
    """CREATE TABLE generations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        prompt TEXT NOT NULL DEFAULT '',
        negative_prompt TEXT,
        model TEXT,
        provider TEXT,
        provider_model TEXT,
        status TEXT NOT NULL DEFAULT 'complete',
        params TEXT NOT NULL DEFAULT '{}',
        files TEXT NOT NULL DEFAULT '[]',
        text TEXT,
        vectors_path TEXT,
        trace TEXT,
        error TEXT,
        duration_ms REAL
    )""",
    "CREATE INDEX generations_by_created ON generations(created_at)",
    "CREATE INDEX generations_by_task ON generations(task, created_at)",
    """CREATE VIRTUAL TABLE generations_fts USING fts5(
        prompt, text, content='generations', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations BEGIN
        INSERT INTO generations_fts(rowid, prompt, text) VALUES (new.id, new.prompt, new.text);
    END""",
    """CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations BEGIN
        INSERT INTO generations_fts(generations_fts, rowid, prompt, text)
            VALUES ('delete', old.id, old.prompt, old.text);
    END""",
    """CREATE TRIGGER generations_fts_update AFTER UPDATE OF prompt, text ON generations BEGIN
        INSERT INTO generations_fts(generations_fts, rowid, prompt, text)
            VALUES ('delete', old.id, old.prompt, old.text);
        INSERT INTO generations_fts(rowid, prompt, text) VALUES (new.id, new.prompt, new.text);
    END""",
)


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """The library of generations (pictures, videos, transcripts, embeddings)."""
    for statement in _SCHEMA_V2:
        conn.execute(statement)


_SCHEMA_V3: Final = (
    # Streamed text arrives here, one row per batch: an INSERT costs the same at any answer
    # length and touches no full-text index. The parts are folded into ``messages.content``
    # (re-indexing it once) when the answer ends, or at the next open after a crash.
    """CREATE TABLE message_parts (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        text TEXT NOT NULL
    )""",
    "CREATE INDEX message_parts_by_message ON message_parts(message_id, id)",
)


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """Append-only parts of answers still streaming."""
    for statement in _SCHEMA_V3:
        conn.execute(statement)


_SCHEMA_V4: Final = (
    # Answers keep their versions (regenerate, edit & resend): a conversation is a tree whose
    # shown path follows the ``chosen`` child at each step; siblings are versions of a turn.
    "ALTER TABLE messages ADD COLUMN parent_id INTEGER",
    "ALTER TABLE messages ADD COLUMN chosen INTEGER NOT NULL DEFAULT 1",
    # Every message so far follows the one before it in its conversation.
    """UPDATE messages SET parent_id = (
        SELECT max(m.id) FROM messages m
         WHERE m.conversation_id = messages.conversation_id AND m.id < messages.id
    )""",
    "CREATE INDEX messages_by_parent ON messages(parent_id)",
)


def _migrate_3_to_4(conn: sqlite3.Connection) -> None:
    """Versions of answers and questions: nothing is deleted to answer again."""
    for statement in _SCHEMA_V4:
        conn.execute(statement)


MIGRATIONS: Final[tuple[Migration, ...]] = (
    _migrate_0_to_1,
    _migrate_1_to_2,
    _migrate_2_to_3,
    _migrate_3_to_4,
)
"""``MIGRATIONS[n]`` upgrades a version-``n`` database to ``n + 1``; the schema version is
``len(MIGRATIONS)``. Never edit a released step; append a new one. A step that rebuilds a
table must cope with ``foreign_keys=ON`` (it cannot be switched off inside a transaction)."""

SCHEMA_VERSION: Final = len(MIGRATIONS)
