"""The history's SQLite connection: pragmas, transactions, schema upgrades with a backup.

Why it is built this way (DESIGN §5):

* **WAL + ``synchronous=NORMAL``**: readers never block the writer, and a streaming answer
  can be written in small batches cheaply; a power cut loses at most the last commits, never
  the database.
* **One connection behind a lock**: in the window every call comes from the one database
  worker (:class:`desktop.store.worker.DbWorker`); the lock keeps the store safe anyway for
  tests and tools that call it from other threads. The command line may open the same file
  from another process; ``busy_timeout`` and ``BEGIN IMMEDIATE`` cover that.
* **Schema version in ``PRAGMA user_version`` with ordered migrations**
  (:mod:`desktop.store.schema`), each in its own transaction, after a backup copy made with
  SQLite's online backup API.
"""

from __future__ import annotations

import _thread
import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from desktop.store.atomic import replacing
from desktop.store.records import HistoryError
from desktop.store.schema import Migration


def _log(message: str, *args: object) -> None:
    """An INFO record; ``logging`` is imported only when there is one to write, so commands
    that merely read the history do without it (issue 8)."""
    import logging

    logging.getLogger(__name__).info(message, *args)


class Database:
    """One open history database.

    Attributes:
        path: the database file.
        clock: the source of timestamps (epoch seconds).
    """

    def __init__(
        self,
        path: Path,
        migrations: Sequence[Migration],
        clock: Callable[[], float],
        *,
        read_only: bool = False,
    ) -> None:
        """Open (creating or upgrading) the database at ``path``; ``read_only`` opens an
        existing one as it is, changing nothing (every write then fails).

        Raises:
            HistoryError: the file was written by a newer release, or a migration failed
                (the backup copy is then intact next to it), or (read-only) it needs one.
        """
        self.path = path
        self.clock = clock
        self.read_only = read_only
        # threading.Lock is this same function; ``threading`` itself (≈ 0.5 ms) is not needed
        # by the quick commands, which open the history and nothing else (issue 8).
        self._lock = _thread.allocate_lock()
        self._migrations = tuple(migrations)
        if read_only:
            target: str | Path = f"{path.resolve().as_uri()}?mode=ro"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            target = path
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing is implicit.
        self._conn = sqlite3.connect(
            target, check_same_thread=False, isolation_level=None, timeout=5.0, uri=read_only
        )
        try:
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA busy_timeout = 5000")
            if read_only:
                self._check_version(upgradable=False)
                return
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._upgrade()
        except BaseException:
            self._conn.close()
            raise

    def close(self) -> None:
        """Close the database; later calls fail. Safe to call twice."""
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA optimize")
            self._conn.close()

    @property
    def schema_version(self) -> int:
        """The ``user_version`` of the open database."""
        with self.read() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, for queries that change nothing."""
        with self._lock:
            yield self._conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
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

    def _check_version(self, *, upgradable: bool) -> int:
        """The file's schema version; refuses a newer one (and, read-only, an older one)."""
        target = len(self._migrations)
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > target:
            raise HistoryError(
                f"The history in {self.path} was written by a newer version of Switchboard "
                f"(schema {version}, this version knows {target}); please update Switchboard."
            )
        if version < target and not upgradable:
            raise HistoryError(
                f"The history in {self.path} is from an older Switchboard and must be "
                "upgraded, which cannot be done while it is open read-only."
            )
        return version

    def _upgrade(self) -> None:
        target = len(self._migrations)
        version = self._check_version(upgradable=True)
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
            _log("History schema is now version %d", version)

    def copy_to(self, target: Path) -> None:
        """A consistent copy of the whole database at ``target`` (the automatic backups)."""
        with self._lock:
            self._backup(target)

    def replace_with(self, source: Path) -> None:
        """Make the open database a copy of ``source`` (restoring a backup), then bring it
        up to this release's schema. The caller has kept the current content aside first.

        Raises:
            HistoryError: ``source`` is not a sound Switchboard history, or is newer.
        """
        with self._lock:
            try:
                src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            except sqlite3.Error as exc:
                raise HistoryError(f"The backup {source.name} cannot be opened ({exc}).") from exc
            try:
                checked = src.execute("PRAGMA quick_check").fetchone()[0]
                version = int(src.execute("PRAGMA user_version").fetchone()[0])
                if checked != "ok" or version < 1:
                    raise HistoryError(f"The backup {source.name} is damaged; pick another one.")
                if version > len(self._migrations):
                    raise HistoryError(
                        f"The backup {source.name} was written by a newer Switchboard; "
                        "update Switchboard to restore it."
                    )
                src.backup(self._conn)
            except sqlite3.Error as exc:
                raise HistoryError(
                    f"The backup {source.name} could not be restored ({exc})."
                ) from exc
            finally:
                src.close()
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._upgrade()

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
        _log("Backed up the history to %s before upgrading it", target)


class StorePart:
    """Base of the history's parts (conversations, messages, library, search): one database."""

    _db: Database
