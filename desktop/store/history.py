"""The conversation history and the library in one SQLite database: the facade callers use.

The work is split by concern, one module each: :mod:`~desktop.store.db` (connection, pragmas,
transactions, upgrades with a backup), :mod:`~desktop.store.schema` (released migrations),
:mod:`~desktop.store.conversations`, :mod:`~desktop.store.messages` (including streamed
answers), :mod:`~desktop.store.library` (generations) and :mod:`~desktop.store.search`
(FTS5). :class:`HistoryStore` only puts those parts together on one :class:`Database`, so a
caller holds one object for all of it. The record types are re-exported here because they
are what callers of the store receive.

Every method is blocking and thread-safe. In the window, every call runs on the one database
worker (:class:`desktop.store.worker.DbWorker`), never on the GUI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop.store.conversations import Conversations
from desktop.store.db import Database
from desktop.store.library import Library
from desktop.store.messages import Messages
from desktop.store.records import (
    GENERATION_STATUSES,
    PREVIEW_CHARS,
    ROLES,
    STATUSES,
    UNSET,
    ChatItem,
    Conversation,
    ConversationSummary,
    HistoryError,
    SearchHit,
    StoredGeneration,
    StoredMessage,
    make_preview,
)
from desktop.store.schema import MIGRATIONS, SCHEMA_VERSION, Migration
from desktop.store.search import Search, build_fts_query
from desktop.store.versions import Versions

__all__ = [
    "GENERATION_STATUSES",
    "MIGRATIONS",
    "PREVIEW_CHARS",
    "ROLES",
    "SCHEMA_VERSION",
    "STATUSES",
    "UNSET",
    "ChatItem",
    "Conversation",
    "ConversationSummary",
    "HistoryError",
    "HistoryStore",
    "Migration",
    "SearchHit",
    "StoredGeneration",
    "StoredMessage",
    "build_fts_query",
    "make_preview",
]


class HistoryStore(Conversations, Messages, Versions, Library, Search):
    """Conversations, messages, the library and search over one database.

    Attributes:
        path: the database file.
    """

    def __init__(
        self,
        path: Path,
        *,
        migrations: Sequence[Migration] | None = None,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
    ) -> None:
        """Open (creating or upgrading) the database at ``path``.

        Args:
            migrations: the ordered schema steps; tests inject extra ones.
            clock: the source of timestamps (epoch seconds); tests inject a fake one.
            read_only: open an existing history without changing it (a read-only folder,
                a file another program holds); every write then fails.

        Raises:
            HistoryError: the file was written by a newer release, or a migration failed
                (the backup copy is then intact next to it).
        """
        self.path = path
        self._db = Database(
            path, MIGRATIONS if migrations is None else migrations, clock, read_only=read_only
        )
        if read_only:
            return
        try:
            self.settle_streams()  # answers a killed app left half-written become searchable
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        """Close the database; later calls fail. Safe to call twice."""
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def copy_to(self, target: Path) -> None:
        """A consistent copy of the whole history at ``target`` (see ``store.backups``)."""
        self._db.copy_to(target)

    def replace_with(self, source: Path) -> None:
        """Make the history a copy of the database ``source`` (restoring a backup)."""
        self._db.replace_with(source)
        self.settle_streams()

    @property
    def read_only(self) -> bool:
        """Whether the history was opened read-only."""
        return self._db.read_only

    @property
    def schema_version(self) -> int:
        """The ``user_version`` of the open database."""
        return self._db.schema_version
