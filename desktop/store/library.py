"""The library of generations: pictures, videos, transcripts and embedding sets.

Each is a row that points at content-addressed files in the media folder (``files``,
``vectors_path``), never a blob; its prompt and transcript are searchable like messages
(:mod:`desktop.store.search`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from desktop.core.vocab import Status
from desktop.store.db import StorePart
from desktop.store.records import GENERATION_STATUSES, StoredGeneration
from desktop.store.rows import (
    columns_of,
    decode_dict,
    decode_list,
    encode_dict,
    encode_files,
    from_row,
    stored_status,
)

GENERATION_COLUMNS: Final = columns_of(StoredGeneration)
"""The ``generations`` columns, one per :class:`StoredGeneration` field (same names)."""

_UPDATABLE: Final = frozenset(
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
"""Columns :meth:`Library.update_generation` may change."""


def row_to_generation(row: Any) -> StoredGeneration:
    """A :class:`StoredGeneration` from a row with :data:`GENERATION_COLUMNS`."""
    return from_row(
        StoredGeneration,
        row,
        status=stored_status(row["status"]),
        params=decode_dict(row["params"]) or {},
        files=decode_list(row["files"]),
        trace=decode_dict(row["trace"]),
    )


def _generation_value(column: str, value: Any) -> Any:
    """Validate and encode one generation column for SQLite."""
    if column == "status" and value not in GENERATION_STATUSES:
        raise ValueError(f"Unknown generation status {value!r}.")
    if column == "files":
        return encode_files(value, "generation file")
    if column == "params":
        return json.dumps(dict(value or {}), ensure_ascii=False)
    if column == "trace":
        return encode_dict(value)
    if column in ("task", "prompt") and not isinstance(value, str):
        raise ValueError(f"Generation {column} must be a string.")
    return value


NOTHING_MADE: Final = (Status.FAILED, Status.CANCELLED)
"""Statuses of attempts that made nothing; the Library hides them unless asked."""
NOTHING_MADE_SQL: Final = "(" + ", ".join(f"'{s.value}'" for s in NOTHING_MADE) + ")"
""":data:`NOTHING_MADE` as an SQL list (fixed words, never the caller's text)."""


class Library(StorePart):
    """The generations table."""

    def add_generation(
        self,
        task: str,
        *,
        prompt: str = "",
        negative_prompt: str | None = None,
        model: str | None = None,
        provider: str | None = None,
        provider_model: str | None = None,
        status: str = Status.COMPLETE,
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
        now = self._db.clock()
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
        with self._db.write() as conn:
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
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"Generations have no column(s) {sorted(unknown)}.")
        encoded = {column: _generation_value(column, value) for column, value in fields.items()}
        encoded["updated_at"] = self._db.clock()
        # Column names come from the fixed set above, never from the caller's text.
        assignments = ", ".join(f"{column} = ?" for column in encoded)
        with self._db.write() as conn:
            cur = conn.execute(
                f"UPDATE generations SET {assignments} WHERE id = ?",
                (*encoded.values(), generation_id),
            )
            return cur.rowcount > 0

    def get_generation(self, generation_id: int) -> StoredGeneration | None:
        """One generation, or None."""
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT {GENERATION_COLUMNS} FROM generations WHERE id = ?", (generation_id,)
            ).fetchone()
        return None if row is None else row_to_generation(row)

    def list_generations(
        self,
        task: str | None = None,
        limit: int = 200,
        *,
        status: str | None = None,
        hide_failed: bool = False,
    ) -> list[StoredGeneration]:
        """Generations, newest first; of one task and/or status when given; ``hide_failed``
        leaves out attempts that made nothing (failed or cancelled)."""
        where, args = [], []
        if task is not None:
            where.append("task = ?")
            args.append(task)
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if hide_failed:
            where.append(f"status NOT IN {NOTHING_MADE_SQL}")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {GENERATION_COLUMNS} FROM generations {clause} "
                "ORDER BY created_at DESC, id DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [row_to_generation(r) for r in rows]

    def delete_generation(self, generation_id: int) -> bool:
        """Forget a generation; False if it did not exist.

        Its media files stay: they are content-addressed and another row may share them.
        """
        with self._db.write() as conn:
            cur = conn.execute("DELETE FROM generations WHERE id = ?", (generation_id,))
            return cur.rowcount > 0
