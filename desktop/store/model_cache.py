"""A bounded disk cache of model lists, one small JSON file per query, least recently used out.

The model browser must work offline and start instantly, so every list it fetched (a Hub
search, the router's catalogue, a custom server's models) is kept here. The cache is only a
copy of public data and can be rebuilt at any time, so a damaged file is skipped, writes need no
fsync, and when the files together pass ``max_bytes`` the ones used longest ago are deleted.
Every method blocks on the file system: the engine calls them from its thread pool.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class CachedList:
    """One cached answer: its query key, when it was fetched and the plain JSON data."""

    key: str
    fetched_at: float
    data: Any


def file_name(key: str) -> str:
    """A file name for a query key (keys hold user text, so they are hashed)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:24] + ".json"


class ModelListCache:
    """Query key → :class:`CachedList`, on disk under ``directory``, at most ``max_bytes``."""

    def __init__(self, directory: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    def load_all(self) -> list[CachedList]:
        """Every readable entry, most recently used first."""
        found: list[tuple[float, CachedList]] = []
        for path in self._files():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                used = path.stat().st_mtime
            except (OSError, ValueError):
                continue
            if (
                not isinstance(raw, dict)
                or not isinstance(raw.get("key"), str)
                or not isinstance(raw.get("fetched_at"), int | float)
            ):
                continue
            found.append((used, CachedList(raw["key"], float(raw["fetched_at"]), raw.get("data"))))
        found.sort(key=lambda item: item[0], reverse=True)
        return [entry for _, entry in found]

    def read(self, key: str) -> CachedList | None:
        """The entry of ``key`` (marked as just used), or None when missing or damaged."""
        path = self.directory / file_name(key)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (
            not isinstance(raw, dict)
            or raw.get("key") != key
            or not isinstance(raw.get("fetched_at"), int | float)
        ):
            return None
        self.touch(key)
        return CachedList(key, float(raw["fetched_at"]), raw.get("data"))

    def write(self, entry: CachedList) -> list[str]:
        """Store one entry, then evict the least recently used; returns the evicted keys."""
        text = json.dumps(
            {"key": entry.key, "fetched_at": entry.fetched_at, "data": entry.data},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        path = self.directory / file_name(entry.key)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            # A full or read-only disk costs only offline browsing; never an error for the user.
            log.warning("Could not write the model list cache: %s", exc)
            return []
        return self._evict()

    def touch(self, key: str) -> None:
        """Mark an entry as just used, so eviction keeps it longer."""
        with contextlib.suppress(OSError):
            now = time.time()
            os.utime(self.directory / file_name(key), (now, now))

    def total_bytes(self) -> int:
        total = 0
        for path in self._files():
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total

    def _files(self) -> list[Path]:
        try:
            return [p for p in self.directory.glob("*.json") if not p.name.startswith(".")]
        except OSError:
            return []

    def _evict(self) -> list[str]:
        sized: list[tuple[float, int, Path]] = []
        for path in self._files():
            with contextlib.suppress(OSError):
                stat = path.stat()
                sized.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in sized)
        evicted: list[str] = []
        for _, size, path in sorted(sized, key=lambda item: item[0]):
            if total <= self.max_bytes:
                break
            key = self._key_of(path)
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
                if key is not None:
                    evicted.append(key)
        return evicted

    @staticmethod
    def _key_of(path: Path) -> str | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        key = raw.get("key") if isinstance(raw, dict) else None
        return key if isinstance(key, str) else None
