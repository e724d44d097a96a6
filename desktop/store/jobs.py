"""Asynchronous provider jobs (video, queued images…) kept on disk so a restart resumes them.

Why a store of its own: a provider that has *accepted* a job bills for it, so the job must
never be submitted twice (DESIGN §3). The only way to honour that across a quit, a crash or a
power cut is to write the provider's job id and its poll/result/cancel URLs down the moment
the provider accepts, before the first poll, and to resume from that record on the next start.

Why a separate SQLite file (``jobs.db``) rather than a table in the history: job records are
operational state with their own small lifecycle, written every few seconds while a job runs;
keeping them apart leaves the history's schema and migrations alone, and losing this file
loses at most the ability to resume jobs in flight. Same settings as the history: WAL,
``synchronous=NORMAL``, one connection behind a lock, ``PRAGMA user_version`` for the schema.

A record never holds a secret: ``credential`` is the keyring *user name* of the token that
submitted the job ("huggingface" or a provider id), and the secret is read again from the
keyring on resume. ``bill_to`` is an organisation *name* (sent as ``X-HF-Bill-To`` when the
job went through the router), kept so that following the job after a restart bills the same
account as the submission did.

Schema 2 added ``bill_to``; a version-1 file gains the column on open.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Final

from desktop.core.errors import SwitchboardError
from desktop.core.vocab import JobStatus

STATUSES: Final = frozenset(JobStatus)
TERMINAL: Final = frozenset({JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED})

SCHEMA_VERSION: Final = 2


class JobStoreError(SwitchboardError):
    """The job database cannot be used as asked; ``str()`` is one sentence."""


@dataclass(frozen=True)
class JobRecord:
    """One accepted job.

    Attributes:
        id: our own id (hex), stable across restarts; the UI and ``cancel`` use it.
        kind: the wire protocol: ``fal-queue``, ``replicate``, ``novita``, ``together-video``.
        credential: keyring user name of the token used (never the token).
        provider_job_id: the provider's id for the job.
        status_url, result_url, cancel_url, api_base: the job's addresses as its protocol
            module keeps them (see :class:`desktop.providers.job_wire.JobTicket`).
        status: one of :data:`STATUSES`; :data:`TERMINAL` ones are finished for good.
        media_url: where the provider put the result (once known).
        result_path: the stored file in the media folder (once downloaded).
        generation_id: the library (history) row that shows this job.
        trace: the routing trace of the submission, as JSON.
        bill_to: the organisation the submission billed (router jobs only), or None.
    """

    id: str
    task: str
    kind: str
    provider: str
    via: str
    provider_model: str
    credential: str
    model: str
    prompt: str
    provider_job_id: str
    submit_url: str
    status_url: str
    api_base: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    result_url: str | None = None
    cancel_url: str | None = None
    status: str = JobStatus.SUBMITTED
    queue_position: int | None = None
    media_url: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    result_path: str | None = None
    error: str | None = None
    generation_id: int | None = None
    trace: dict[str, Any] | None = None
    bill_to: str | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


_COLUMNS: Final = tuple(f.name for f in fields(JobRecord))
_JSON_COLUMNS: Final = frozenset({"params", "trace"})
_UPDATABLE: Final = frozenset(_COLUMNS) - {"id", "created_at"}

_SCHEMA: Final = """CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    task TEXT NOT NULL,
    kind TEXT NOT NULL,
    provider TEXT NOT NULL,
    via TEXT NOT NULL,
    provider_model TEXT NOT NULL,
    credential TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt TEXT NOT NULL,
    provider_job_id TEXT NOT NULL,
    submit_url TEXT NOT NULL,
    status_url TEXT NOT NULL,
    api_base TEXT NOT NULL DEFAULT '',
    params TEXT NOT NULL DEFAULT '{}',
    result_url TEXT,
    cancel_url TEXT,
    status TEXT NOT NULL,
    queue_position INTEGER,
    media_url TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    result_path TEXT,
    error TEXT,
    generation_id INTEGER,
    trace TEXT,
    bill_to TEXT
)"""


def _encode(name: str, value: Any) -> Any:
    if name in _JSON_COLUMNS:
        return None if value is None else json.dumps(value, ensure_ascii=False)
    return value


def _decode(row: sqlite3.Row) -> JobRecord:
    values: dict[str, Any] = {}
    for name in _COLUMNS:
        value = row[name]
        if name in _JSON_COLUMNS and value is not None:
            try:
                value = json.loads(value)
            except ValueError:
                value = None
            if name == "params" and not isinstance(value, dict):
                value = {}
        values[name] = value
    if values["status"] in STATUSES:
        values["status"] = JobStatus(values["status"])
    return JobRecord(**values)


class JobStore:
    """Accepted jobs in ``jobs.db``; every method is blocking, short and thread-safe."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        """Open (creating) the database.

        Raises:
            JobStoreError: the file was written by a newer Switchboard or is not a database.
        """
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=5.0
        )
        try:
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA busy_timeout = 5000")
            self._create()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise JobStoreError(
                f"The job list {path.name} could not be opened ({exc}); move it away and "
                "restart to start a fresh one."
            ) from exc
        except BaseException:
            self._conn.close()
            raise

    def _create(self) -> None:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise JobStoreError(
                f"The job list {self.path.name} was written by a newer version of Switchboard; "
                "please update Switchboard."
            )
        if version == SCHEMA_VERSION:
            return
        with self._write() as conn:
            found = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if found == 0:
                conn.execute(_SCHEMA)
                conn.execute("CREATE INDEX jobs_by_status ON jobs(status, created_at)")
            elif found == 1:  # jobs from before bill-to was kept: they billed the user
                conn.execute("ALTER TABLE jobs ADD COLUMN bill_to TEXT")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        """Close the database; safe to call twice."""
        with self._lock:
            self._conn.close()

    # --- Records

    def add(self, record: JobRecord) -> JobRecord:
        """Insert a job just accepted by its provider; timestamps default to now."""
        if record.status not in STATUSES:
            raise ValueError(f"unknown job status {record.status!r}")
        now = self._clock()
        values = {name: getattr(record, name) for name in _COLUMNS}
        values["created_at"] = record.created_at or now
        values["updated_at"] = record.updated_at or values["created_at"]
        names = ", ".join(_COLUMNS)
        marks = ", ".join("?" for _ in _COLUMNS)
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO jobs ({names}) VALUES ({marks})",
                [_encode(n, values[n]) for n in _COLUMNS],
            )
        return JobRecord(**values)

    def update(self, job_id: str, **changes: Any) -> JobRecord | None:
        """Change some fields (``updated_at`` moves to now); None if the job is unknown."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update job field(s) {sorted(unknown)}")
        if "status" in changes and changes["status"] not in STATUSES:
            raise ValueError(f"unknown job status {changes['status']!r}")
        changes.setdefault("updated_at", self._clock())
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._write() as conn:
            cur = conn.execute(
                f"UPDATE jobs SET {assignments} WHERE id = ?",
                [*(_encode(n, v) for n, v in changes.items()), job_id],
            )
            if cur.rowcount == 0:
                return None
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _decode(row)

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            row = self._conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _decode(row)

    def pending(self) -> list[JobRecord]:
        """Jobs not finished for good (including downloaded-but-not-stored), oldest first."""
        marks = ", ".join("?" for _ in TERMINAL)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT * FROM jobs WHERE status NOT IN ({marks}) ORDER BY created_at, id",
                sorted(TERMINAL),
            ).fetchall()
        return [_decode(r) for r in rows]

    def recent(self, limit: int = 100) -> list[JobRecord]:
        """The latest jobs, newest first (for a jobs list or ``--json`` output)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM jobs ORDER BY created_at DESC, id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_decode(r) for r in rows]

    def delete(self, job_id: str) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount > 0

    def prune(self, older_than: float) -> int:
        """Forget finished jobs last touched before ``older_than`` (epoch seconds)."""
        marks = ", ".join("?" for _ in TERMINAL)
        with self._write() as conn:
            return conn.execute(
                f"DELETE FROM jobs WHERE status IN ({marks}) AND updated_at < ?",
                [*sorted(TERMINAL), older_than],
            ).rowcount
