"""The cost ledger: one row per result that was estimated, for totals by day, provider, task.

Why a SQLite file of its own (``costs.db``) rather than a history table: totals must count
everything that cost money, including things the history does not keep as items (compare
columns, failed batches that still made some pictures), and they are read often by small
aggregate queries. Keeping the rows apart leaves the history's schema and migrations alone;
losing the file loses the running totals, never an item. Same settings as the other stores:
WAL, ``synchronous=NORMAL``, one connection behind a lock, ``PRAGMA user_version``.

Days are local calendar days (what "today" and "this month" mean to the user). A row never
holds a secret: ``bill_to`` is an organisation *name* sent as ``X-HF-Bill-To``.

Rows of finished answers are queued (:meth:`CostLedger.queue`) and written a few at a time
(:meth:`CostLedger.flush`, one transaction) instead of one commit and one thread hop per answer,
which cost more than routing the answer itself (issue 8). Every read and :meth:`CostLedger.close`
writes what is queued first, so totals always include every result, from any thread.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final, NamedTuple

from desktop.core.errors import SwitchboardError

SCHEMA_VERSION: Final = 1
GROUPINGS: Final = ("provider", "task", "model", "day")

_SCHEMA: Final = """CREATE TABLE costs (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    day TEXT NOT NULL,
    task TEXT NOT NULL,
    model TEXT NOT NULL,
    provider TEXT NOT NULL,
    usd REAL,
    basis TEXT NOT NULL,
    bill_to TEXT,
    request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX costs_at ON costs(at)"""


class CostLedgerError(SwitchboardError):
    """The ledger cannot be used as asked; ``str()`` is one sentence."""


class CostEntry(NamedTuple):
    """One estimated result. ``usd`` None: made, but no price is known for it.

    A named tuple, immutable like the frozen dataclass it was, because one is made for every
    answer: a frozen dataclass's ``__init__`` cost almost four times as much (issue 8)."""

    task: str
    model: str
    provider: str
    usd: float | None
    basis: str
    bill_to: str | None = None
    request_id: str = ""
    at: float = 0.0


@dataclass(frozen=True)
class CostTotal:
    """The sum of one group. ``unpriced`` counts results whose price was unknown."""

    key: str
    usd: float
    count: int
    unpriced: int = 0


_INSERT: Final = (
    "INSERT INTO costs (at, day, task, model, provider, usd, basis, bill_to, request_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _values(entry: CostEntry) -> tuple[object, ...]:
    """``entry`` as the parameters of :data:`_INSERT`."""
    return (
        entry.at,
        local_day(entry.at),
        entry.task,
        entry.model,
        entry.provider,
        entry.usd,
        entry.basis,
        entry.bill_to,
        entry.request_id,
    )


_day_memo: tuple[float, float, str] = (0.0, 0.0, "")
"""A span of one local day already named by :func:`local_day`: from, until, and its name."""


def local_day(ts: float) -> str:
    """``ts``'s local date, ``YYYY-MM-DD``. Every ledger row is stamped with one and rows
    come in bursts of the same day: a time inside the last day named is answered without a
    ``datetime`` (``strftime`` alone cost more than the row's insert, issue 8)."""
    global _day_memo
    since, until, name = _day_memo
    if since <= ts < until:
        return name
    d = datetime.fromtimestamp(ts)
    name = f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
    # Kept from ``ts`` (that day, surely) to the next local midnight, when that midnight is
    # unambiguous; around a clock change at midnight every time is named afresh.
    end = datetime.fromordinal(d.toordinal() + 1).timestamp()
    if datetime.fromtimestamp(end - 1).date() == d.date() != datetime.fromtimestamp(end).date():
        _day_memo = (ts, end, name)
    return name


def month_start(ts: float) -> float:
    """Midnight (local) of the first day of ``ts``'s month."""
    d = datetime.fromtimestamp(ts)
    return datetime(d.year, d.month, 1).timestamp()


def day_start(ts: float) -> float:
    d = datetime.fromtimestamp(ts)
    return datetime(d.year, d.month, d.day).timestamp()


def _next_month(start: float) -> float:
    """Midnight (local) of the first day of the month after the one starting at ``start``."""
    d = datetime.fromtimestamp(start)
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return datetime(year, month, 1).timestamp()


def parse_day(text: str) -> float:
    """``YYYY-MM-DD`` → local midnight; a wrong date is one sentence."""
    try:
        d = date.fromisoformat(text)
    except ValueError as exc:
        raise CostLedgerError(f"{text!r} is not a date like 2026-12-01.") from exc
    return datetime(d.year, d.month, d.day).timestamp()


class CostLedger:
    """Append estimated costs; sum them by group and period. Thread-safe (one lock)."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._month: tuple[float, int, float] | None = None
        """(month start, last row id counted, total): the running month total, so settling an
        answer does not sum the whole month's rows again (that grew with every answer)."""
        self._queued: list[CostEntry] = []
        """Rows queued by :meth:`queue`, written by the next :meth:`flush` or read."""
        self._closed = False
        self._queued_usd: float | None = None
        """What the queued rows add to the running month total (None: to be summed)."""
        self._month_end = 0.0
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                self._db.executescript(_SCHEMA)
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            elif version > SCHEMA_VERSION:
                raise CostLedgerError(
                    "The cost ledger was written by a newer Switchboard; totals are unavailable "
                    "until you update."
                )
        except sqlite3.Error as exc:
            raise CostLedgerError(f"The cost ledger at {path} cannot be opened ({exc}).") from exc

    def close(self) -> None:
        """Write what is queued, then close; a closed ledger queues nothing more."""
        with self._lock:
            try:
                if self._queued and not self._closed:
                    self._write_queued()
            finally:
                self._closed = True
                self._db.close()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, with every queued row written first (reads see all results)."""
        with self._lock:
            if self._queued and not self._closed:
                self._write_queued()
            yield self._db

    def queue(self, entry: CostEntry) -> float | None:
        """Queue ``entry`` for the next :meth:`flush` (any thread; no SQL runs here).

        Returns this month's total with it when the running total is known (None before the
        first read of the month: then call :meth:`this_month`, which writes the queue first).
        A row another process wrote is noticed when the queue is written: the total is then
        read again at the next result.
        """
        at = entry.at or self._clock()
        with self._lock:
            if self._closed:
                return None
            self._queued.append(entry if entry.at else entry._replace(at=at))
            month = self._month
            if month is None or not month[0] <= at < self._month_end:
                self._queued_usd = None
                return None
            if self._queued_usd is None:
                self._queued_usd = sum(e.usd or 0.0 for e in self._queued if e.at >= month[0])
            else:
                self._queued_usd += entry.usd or 0.0
            return month[2] + self._queued_usd

    def flush(self) -> None:
        """Write the queued rows in one transaction (on the database worker)."""
        with self._locked():
            pass

    def _write_queued(self) -> None:
        """Insert the queued rows (the lock is held) and keep the month's total running."""
        rows, self._queued, self._queued_usd = self._queued, [], None
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                # The rest of the burst in one statement: its rows get the ids that follow the
                # first one's (this transaction is the only writer), without a cursor each.
                first = self._insert(db, rows[0])
                db.executemany(_INSERT, [_values(entry) for entry in rows[1:]])
                ids = range(first, first + len(rows))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise CostLedgerError(f"{len(rows)} cost rows could not be written ({exc}).") from exc
        month = self._month
        if month is not None:  # as ``_count`` row by row, without a call per row (issue 8)
            start, counted, total = month
            if counted == ids[0] - 1:  # nobody else wrote in between: keep it running
                for entry in rows:
                    if entry.usd is not None and entry.at >= start:
                        total += entry.usd
                self._month = (start, ids[-1], total)
            else:
                self._month = None

    def now(self) -> float:
        return self._clock()

    def add(self, entry: CostEntry) -> int:
        """Write ``entry`` now (after anything queued); returns its row id."""
        if not entry.at:
            entry = entry._replace(at=self._clock())
        with self._locked() as db:
            rowid = self._insert(db, entry)
            self._count(entry, rowid)
            return rowid

    @staticmethod
    def _insert(db: sqlite3.Connection, entry: CostEntry) -> int:
        cur = db.execute(_INSERT, _values(entry))
        return int(cur.lastrowid or 0)

    def _count(self, entry: CostEntry, rowid: int) -> None:
        """Add a written row to the running month total (the lock is held)."""
        if self._month is not None:
            start, counted, total = self._month
            if counted == rowid - 1:  # nobody else wrote in between: keep it running
                extra = entry.usd if entry.usd is not None and entry.at >= start else 0.0
                self._month = (start, rowid, total + extra)
            else:
                self._month = None

    def spent(self, since: float, until: float | None = None) -> float:
        """USD of every priced row in ``[since, until)``."""
        with self._locked() as db:
            row = db.execute(
                "SELECT COALESCE(SUM(usd), 0) FROM costs WHERE at >= ? AND at < ?",
                (since, until if until is not None else float("inf")),
            ).fetchone()
        return float(row[0])

    def today(self) -> float:
        return self.spent(day_start(self._clock()))

    def this_month(self) -> float:
        """USD spent since the month began; kept running between calls, read again when the
        month changes or another process (the command line) has written to the ledger."""
        start = month_start(self._clock())
        with self._locked() as db:
            last = int(db.execute("SELECT COALESCE(MAX(rowid), 0) FROM costs").fetchone()[0])
            if self._month is not None and self._month[:2] == (start, last):
                return self._month[2]
            row = db.execute(
                "SELECT COALESCE(SUM(usd), 0) FROM costs WHERE at >= ?", (start,)
            ).fetchone()
            self._month = (start, last, float(row[0]))
            self._month_end = _next_month(start)
            return self._month[2]

    def totals(self, by: str, since: float = 0.0, until: float | None = None) -> list[CostTotal]:
        """Sums grouped ``by`` provider, task, model or day; dearest first (days in order)."""
        if by not in GROUPINGS:
            raise CostLedgerError(f"Totals can be grouped by {', '.join(GROUPINGS)}, not {by!r}.")
        order = "key" if by == "day" else "usd DESC, key"
        with self._locked() as db:
            rows = db.execute(
                f"SELECT {by} AS key, COALESCE(SUM(usd), 0) AS usd, COUNT(*) AS n, "
                "SUM(usd IS NULL) AS unpriced FROM costs WHERE at >= ? AND at < ? "
                f"GROUP BY {by} ORDER BY {order}",
                (since, until if until is not None else float("inf")),
            ).fetchall()
        return [CostTotal(str(k), float(u), int(n), int(p or 0)) for k, u, n, p in rows]

    def entries(self, since: float = 0.0) -> list[CostEntry]:
        with self._locked() as db:
            rows = db.execute(
                "SELECT task, model, provider, usd, basis, bill_to, request_id, at FROM costs "
                "WHERE at >= ? ORDER BY at",
                (since,),
            ).fetchall()
        return [CostEntry(*row) for row in rows]
