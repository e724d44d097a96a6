"""Conversation history in one SQLite database, searchable offline with FTS5.

Why it is built this way (DESIGN §5):

* **WAL + ``synchronous=NORMAL``**: readers never block the writer, and a streaming answer
  can be written in small batches cheaply; a power cut loses at most the last commits, never
  the database.
* **One connection behind a lock**: the GUI uses the store from the event-loop thread and
  from a worker pool; SQLite connections are not safe to share without serialising calls, so
  every public method takes :attr:`HistoryStore._lock`. The command line may open the same
  file from another process; ``busy_timeout`` and ``BEGIN IMMEDIATE`` cover that.
* **Schema version in ``PRAGMA user_version`` with ordered migrations**, each in its own
  transaction, after a backup copy made with SQLite's online backup API.
* **Streaming answers are rows from the start**: an assistant message is inserted as
  ``interrupted`` and grows through :meth:`HistoryStore.append_text`; only the final update
  marks it ``complete``. A crash therefore leaves the partial text, marked ``interrupted``.
* **FTS5 external-content tables kept in sync by triggers**, so every insert, append, edit
  and delete (including cascades) updates the index inside the same transaction.
* **Generations** (pictures, videos, transcripts, embeddings; schema v2) are rows that point
  at content-addressed files in the media folder (``files``, ``vectors_path``), never blobs;
  their prompt and transcript are searchable like messages.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from desktop.store.atomic import replacing

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

log = logging.getLogger(__name__)

ROLES: Final = frozenset({"system", "user", "assistant"})
STATUSES: Final = frozenset({"complete", "interrupted", "failed"})
PREVIEW_CHARS: Final = 80


class HistoryError(Exception):
    """The history database cannot be used as asked; ``str()`` is one sentence."""


class _Unset(enum.Enum):
    TOKEN = 0


UNSET: Final = _Unset.TOKEN
"""Marks an :meth:`HistoryStore.update_message` argument as "leave this column alone"."""


# --- Records


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message row, with its JSON columns decoded.

    Attributes:
        attachments: ``[{"path", "mime", "name"}, …]`` (paths into the media folder).
        status: ``complete``, ``interrupted`` (stream cut or app died) or ``failed``.
        trace: the routing trace as stored by the engine, or None.
        usage: token usage / cost as reported, or None.
    """

    id: int
    conversation_id: int
    role: str
    content: str
    attachments: list[dict[str, Any]]
    model: str | None
    provider: str | None
    provider_model: str | None
    status: str
    error: str | None
    trace: dict[str, Any] | None
    usage: dict[str, Any] | None
    ttft_ms: float | None
    duration_ms: float | None
    created_at: float


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """A conversation as the sidebar lists it."""

    id: int
    title: str
    created_at: float
    updated_at: float
    model: str | None
    provider_policy: str | None
    message_count: int
    preview: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """A whole conversation: the summary fields plus every message, oldest first."""

    id: int
    title: str
    created_at: float
    updated_at: float
    model: str | None
    provider_policy: str | None
    messages: list[StoredMessage] = field(default_factory=list)

    @property
    def message_count(self) -> int:
        """Number of messages."""
        return len(self.messages)

    @property
    def preview(self) -> str:
        """The start of the last message, as in :class:`ConversationSummary`."""
        return make_preview(self.messages[-1].content) if self.messages else ""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result.

    Attributes:
        conversation_id: the conversation of the match; 0 for a generation hit.
        message_id: the matching message, or None when the conversation title matched.
        snippet: the matching text around the match, matches wrapped in the requested marks.
        generation_id: the matching generation (picture, video, transcript, embeddings), or
            None for a conversation hit.
    """

    conversation_id: int
    message_id: int | None
    title: str
    snippet: str
    generation_id: int | None = None


GENERATION_STATUSES: Final = frozenset(
    {"running", "complete", "failed", "cancelled", "interrupted"}
)
"""``running``: an accepted job not finished yet (video); ``interrupted``: the app stopped
before it finished and it cannot be resumed."""


@dataclass(frozen=True, slots=True)
class StoredGeneration:
    """One generation row, JSON columns decoded.

    Attributes:
        task: the ``Task`` value (``text-to-image``, ``automatic-speech-recognition`` …).
        params: the settings it was made with (for "reuse settings"), plus task extras such
            as a transcript's ``chunks`` or the embedded ``texts``.
        files: ``[{"path", "mime", "width", "height", "seed", "duration_s", …}]``, paths into
            the media folder.
        text: the transcript (speech-to-text), else None.
        vectors_path: the embedding vectors as an ``.npy`` file in the media folder.
        trace: the routing trace, or None.
    """

    id: int
    task: str
    created_at: float
    updated_at: float
    prompt: str
    negative_prompt: str | None
    model: str | None
    provider: str | None
    provider_model: str | None
    status: str
    params: dict[str, Any]
    files: list[dict[str, Any]]
    text: str | None
    vectors_path: str | None
    trace: dict[str, Any] | None
    error: str | None
    duration_ms: float | None


def make_preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """One line of at most ``limit`` characters, whitespace collapsed, "…" when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


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


# --- Schema and migrations

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


MIGRATIONS: Final[tuple[Migration, ...]] = (_migrate_0_to_1, _migrate_1_to_2)
"""``MIGRATIONS[n]`` upgrades a version-``n`` database to ``n + 1``; the schema version is
``len(MIGRATIONS)``. Never edit a released step; append a new one. A step that rebuilds a
table must cope with ``foreign_keys=ON`` (it cannot be switched off inside a transaction)."""

SCHEMA_VERSION: Final = len(MIGRATIONS)

_MESSAGE_COLUMNS: Final = ", ".join(f.name for f in fields(StoredMessage))
"""The ``messages`` columns, one per :class:`StoredMessage` field (same names)."""

_GENERATION_COLUMNS: Final = ", ".join(f.name for f in fields(StoredGeneration))
"""The ``generations`` columns, one per :class:`StoredGeneration` field (same names)."""

_GENERATION_FIELDS: Final = frozenset(
    {
        "task",
        "prompt",
        "negative_prompt",
        "model",
        "provider",
        "provider_model",
        "status",
        "params",
        "files",
        "text",
        "vectors_path",
        "trace",
        "error",
        "duration_ms",
    }
)
"""Columns :meth:`HistoryStore.update_generation` may change."""

_GENERATION_JSON: Final = frozenset({"params", "files", "trace"})


def _encode_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _decode_dict(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _decode_list(text: str | None) -> list[dict[str, Any]]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _encode_dict(value: Mapping[str, Any] | None) -> str | None:
    return _encode_json(None if value is None else dict(value))


def _encode_files(items: Sequence[Mapping[str, Any]] | None, what: str) -> str:
    """``items`` (attachments, generation files) as JSON; each must have a ``path`` string."""
    checked = [dict(item) for item in items or ()]
    for item in checked:
        if not isinstance(item.get("path"), str):
            raise ValueError(f"Every {what} needs a 'path' string.")
    return json.dumps(checked, ensure_ascii=False)


R = TypeVar("R", bound="DataclassInstance")


def _from_row(cls: type[R], row: sqlite3.Row, **decoded: Any) -> R:
    """A record whose fields are the row's columns of the same names, except ``decoded``."""
    plain = {f.name: row[f.name] for f in fields(cls) if f.name not in decoded}
    return cls(**plain, **decoded)


def _row_to_message(row: sqlite3.Row) -> StoredMessage:
    return _from_row(
        StoredMessage,
        row,
        attachments=_decode_list(row["attachments"]),
        trace=_decode_dict(row["trace"]),
        usage=_decode_dict(row["usage"]),
    )


def _row_to_generation(row: sqlite3.Row) -> StoredGeneration:
    return _from_row(
        StoredGeneration,
        row,
        params=_decode_dict(row["params"]) or {},
        files=_decode_list(row["files"]),
        trace=_decode_dict(row["trace"]),
    )


def _message_value(column: str, value: Any) -> Any:
    """Validate and encode one message column for SQLite."""
    if column == "status" and value not in STATUSES:
        raise ValueError(f"Unknown message status {value!r}.")
    if column == "attachments":
        return _encode_files(value, "attachment")
    if column in ("trace", "usage"):
        return _encode_dict(value)
    return value


def _generation_value(column: str, value: Any) -> Any:
    """Validate and encode one generation column for SQLite."""
    if column == "status" and value not in GENERATION_STATUSES:
        raise ValueError(f"Unknown generation status {value!r}.")
    if column == "files":
        return _encode_files(value, "generation file")
    if column == "params":
        return json.dumps(dict(value or {}), ensure_ascii=False)
    if column == "trace":
        return _encode_dict(value)
    if column in ("task", "prompt") and not isinstance(value, str):
        raise ValueError(f"Generation {column} must be a string.")
    return value


class HistoryStore:
    """The conversation history; all methods are blocking and thread-safe.

    Attributes:
        path: the database file.
    """

    def __init__(
        self,
        path: Path,
        *,
        migrations: Sequence[Migration] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Open (creating or upgrading) the database at ``path``.

        Args:
            migrations: the ordered schema steps; tests inject extra ones.
            clock: the source of timestamps (epoch seconds); tests inject a fake one.

        Raises:
            HistoryError: the file was written by a newer release, or a migration failed
                (the backup copy is then intact next to it).
        """
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._migrations = tuple(MIGRATIONS if migrations is None else migrations)
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing is implicit.
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=5.0
        )
        try:
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA busy_timeout = 5000")
            self._upgrade()
        except BaseException:
            self._conn.close()
            raise

    # --- Lifecycle

    def close(self) -> None:
        """Close the database; later calls fail. Safe to call twice."""
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA optimize")
            self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The ``user_version`` of the open database."""
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock; rolled back on any error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._rollback()
                raise
            self._conn.execute("COMMIT")

    def _rollback(self) -> None:
        """Roll back if a transaction is still open (SQLite rolls back some errors itself,
        and a second ROLLBACK would hide the original exception)."""
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def _upgrade(self) -> None:
        target = len(self._migrations)
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > target:
            raise HistoryError(
                f"The history in {self.path} was written by a newer version of Switchboard "
                f"(schema {version}, this version knows {target}); please update Switchboard."
            )
        if version == target:
            return
        has_schema = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if has_schema:
            self._backup(self.path.with_name(f"{self.path.name}.bak-v{version}"))
        while version < target:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have migrated while we waited for the write lock.
                current = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
                if current == version:
                    self._migrations[version](self._conn)
                    self._conn.execute(f"PRAGMA user_version = {version + 1:d}")
                self._conn.execute("COMMIT")
            except BaseException as exc:
                self._rollback()
                if isinstance(exc, sqlite3.Error):
                    raise HistoryError(
                        f"The history could not be upgraded from schema {version} "
                        f"({exc}); a copy of it was kept next to {self.path.name}."
                    ) from exc
                raise
            version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
            log.info("History schema is now version %d", version)

    def _backup(self, target: Path) -> None:
        """Copy the whole database with the online backup API (consistent even in WAL)."""
        with replacing(target) as tmp:
            dest = sqlite3.connect(tmp)
            try:
                self._conn.backup(dest)
                # A single self-contained file: no -wal/-shm siblings for the copy.
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
        log.info("Backed up the history to %s before upgrading it", target)

    # --- Conversations

    def create_conversation(
        self, title: str, model: str | None = None, policy: str | None = None
    ) -> int:
        """Start a conversation and return its id."""
        now = self._clock()
        with self._write() as conn:
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
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id)
            )
            return cur.rowcount > 0

    def set_conversation_model(
        self, conversation_id: int, model: str | None, policy: str | None
    ) -> bool:
        """Remember the model and provider policy last used in the conversation."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE conversations SET model = ?, provider_policy = ? WHERE id = ?",
                (model, policy, conversation_id),
            )
            return cur.rowcount > 0

    def delete_conversation(self, conversation_id: int) -> bool:
        """Delete a conversation and (by cascade) its messages; False if it did not exist."""
        with self._write() as conn:
            cur = conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            return cur.rowcount > 0

    def list_conversations(self, limit: int = 1000) -> list[ConversationSummary]:
        """Conversations, most recently updated first."""
        with self._lock:
            rows = self._conn.execute(
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
            _from_row(
                ConversationSummary, r, message_count=r["n"], preview=make_preview(r["last"] or "")
            )
            for r in rows
        ]

    def get_conversation(self, conversation_id: int) -> Conversation | None:
        """The conversation with all its messages in order, or None."""
        with self._lock:
            head = self._conn.execute(
                "SELECT id, title, created_at, updated_at, model, provider_policy "
                "FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            if head is None:
                return None
            rows = self._conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        return _from_row(Conversation, head, messages=[_row_to_message(r) for r in rows])

    # --- Messages

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
        status = _message_value("status", status)
        encoded_attachments = _message_value("attachments", attachments)
        now = self._clock()
        with self._write() as conn:
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
                    _message_value("trace", trace),
                    _message_value("usage", usage),
                    ttft_ms,
                    duration_ms,
                    now,
                ),
            )
            return int(cur.lastrowid or 0)

    def get_message(self, message_id: int) -> StoredMessage | None:
        """One message, or None."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
        return None if row is None else _row_to_message(row)

    def append_text(self, message_id: int, text: str) -> bool:
        """Append streamed text to a message in one UPDATE (the FTS trigger re-indexes it).

        Returns False if the message is gone (the conversation was deleted mid-stream), so
        the caller can stop without an exception.
        """
        if not text:
            return True
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE messages SET content = content || ? WHERE id = ?", (text, message_id)
            )
            return cur.rowcount > 0

    def update_message(
        self,
        message_id: int,
        *,
        content: str | _Unset = UNSET,
        status: str | _Unset = UNSET,
        provider: str | _Unset | None = UNSET,
        provider_model: str | _Unset | None = UNSET,
        error: str | _Unset | None = UNSET,
        trace: Mapping[str, Any] | _Unset | None = UNSET,
        usage: Mapping[str, Any] | _Unset | None = UNSET,
        ttft_ms: float | _Unset | None = UNSET,
        duration_ms: float | _Unset | None = UNSET,
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
            column: _message_value(column, value)
            for column, value in given.items()
            if not isinstance(value, _Unset)
        }
        if not values:
            return self.get_message(message_id) is not None
        # Column names come from the fixed keys above, never from the caller.
        assignments = ", ".join(f"{column} = ?" for column in values)
        with self._write() as conn:
            cur = conn.execute(
                f"UPDATE messages SET {assignments} WHERE id = ?", (*values.values(), message_id)
            )
            if cur.rowcount == 0:
                return False
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = "
                "(SELECT conversation_id FROM messages WHERE id = ?)",
                (self._clock(), message_id),
            )
            return True

    def delete_message_and_after(self, conversation_id: int, message_id: int) -> int:
        """Delete a message and every later one of its conversation (edit & resend,
        regenerate); returns how many were deleted (0 if the message is not in it)."""
        with self._write() as conn:
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
                (self._clock(), conversation_id),
            )
            return cur.rowcount

    # --- Generations

    def add_generation(
        self,
        task: str,
        *,
        prompt: str = "",
        negative_prompt: str | None = None,
        model: str | None = None,
        provider: str | None = None,
        provider_model: str | None = None,
        status: str = "complete",
        params: Mapping[str, Any] | None = None,
        files: Sequence[Mapping[str, Any]] | None = None,
        text: str | None = None,
        vectors_path: str | None = None,
        trace: Mapping[str, Any] | None = None,
        error: str | None = None,
        duration_ms: float | None = None,
        created_at: float | None = None,
    ) -> int:
        """Keep a picture, video, transcript or embedding set in the library; returns its id.

        A long job (video) is added as ``running`` when the provider accepts it and finished
        with :meth:`update_generation`.

        Raises:
            ValueError: unknown status, or a file without a ``path``.
        """
        now = self._clock()
        values = {
            "task": task,
            "prompt": prompt,
            "negative_prompt": negative_prompt,
            "model": model,
            "provider": provider,
            "provider_model": provider_model,
            "status": status,
            "params": params,
            "files": files,
            "text": text,
            "vectors_path": vectors_path,
            "trace": trace,
            "error": error,
            "duration_ms": duration_ms,
        }
        encoded = {column: _generation_value(column, value) for column, value in values.items()}
        encoded["created_at"] = now if created_at is None else created_at
        encoded["updated_at"] = now
        columns = ", ".join(encoded)
        marks = ", ".join("?" for _ in encoded)
        with self._write() as conn:
            cur = conn.execute(
                f"INSERT INTO generations ({columns}) VALUES ({marks})", tuple(encoded.values())
            )
            return int(cur.lastrowid or 0)

    def update_generation(self, generation_id: int, **fields: Any) -> bool:
        """Change the given columns (same names as :meth:`add_generation`; ``None`` clears);
        returns False if the generation is gone.

        Raises:
            ValueError: an unknown column name, status, or a file without a ``path``.
        """
        unknown = set(fields) - _GENERATION_FIELDS
        if unknown:
            raise ValueError(f"Generations have no column(s) {sorted(unknown)}.")
        encoded = {column: _generation_value(column, value) for column, value in fields.items()}
        encoded["updated_at"] = self._clock()
        # Column names come from the fixed set above, never from the caller's text.
        assignments = ", ".join(f"{column} = ?" for column in encoded)
        with self._write() as conn:
            cur = conn.execute(
                f"UPDATE generations SET {assignments} WHERE id = ?",
                (*encoded.values(), generation_id),
            )
            return cur.rowcount > 0

    def get_generation(self, generation_id: int) -> StoredGeneration | None:
        """One generation, or None."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_GENERATION_COLUMNS} FROM generations WHERE id = ?", (generation_id,)
            ).fetchone()
        return None if row is None else _row_to_generation(row)

    def list_generations(
        self, task: str | None = None, limit: int = 200, *, status: str | None = None
    ) -> list[StoredGeneration]:
        """Generations, newest first; of one task and/or status when given."""
        where, args = [], []
        if task is not None:
            where.append("task = ?")
            args.append(task)
        if status is not None:
            where.append("status = ?")
            args.append(status)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_GENERATION_COLUMNS} FROM generations {clause} "
                "ORDER BY created_at DESC, id DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [_row_to_generation(r) for r in rows]

    def delete_generation(self, generation_id: int) -> bool:
        """Forget a generation; False if it did not exist.

        Its media files stay: they are content-addressed and another row may share them.
        """
        with self._write() as conn:
            cur = conn.execute("DELETE FROM generations WHERE id = ?", (generation_id,))
            return cur.rowcount > 0

    def search_generations(
        self,
        text: str,
        limit: int = 50,
        *,
        task: str | None = None,
        marks: tuple[str, str] = ("[", "]"),
    ) -> list[SearchHit]:
        """Full-text search over generations' prompts and transcripts, best match first."""
        query = build_fts_query(text)
        if query is None or limit <= 0:
            return []
        start, end = marks
        task_clause = "AND g.task = ?" if task is not None else ""
        args: tuple[Any, ...] = (start, end, query, *((task,) if task is not None else ()), limit)
        with self._lock:
            rows = self._conn.execute(
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

    # --- Search

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
        with self._lock:
            titles = self._conn.execute(
                """SELECT c.id, c.title,
                          highlight(conversations_fts, 0, ?, ?) AS snippet
                   FROM conversations_fts JOIN conversations c ON c.id = conversations_fts.rowid
                   WHERE conversations_fts MATCH ?
                   ORDER BY c.updated_at DESC, c.id DESC
                   LIMIT ?""",
                (start, end, query, limit),
            ).fetchall()
            messages = self._conn.execute(
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
