"""Styles (LoRA adapters) from the Hub, kept for a while and for when the Hub is out of reach.

Why: the style browser asked the Hub at every keystroke pause, and every picture or video
request with styles asked it again about each chosen adapter. Adapter listings and cards are
public and change slowly, so each answer is kept:

* fresh (a listing for :data:`LIST_TTL_S`, a card for :data:`CARD_TTL_S`): answered from the
  copy, no request at all;
* older: asked again, and the copy replaced; when the Hub cannot be reached (network, its own
  trouble) the copy is used whatever its age, marked stale so the window can say "as of …";
* bounded: at most :data:`MEMORY_ENTRIES` in memory and :data:`DISK_BYTES` on disk, least
  recently used out, in :class:`~desktop.store.model_cache.ModelListCache` (one JSON file per
  answer, written to a temporary file and renamed, so a crash never leaves half a file).

A refusal that is about the style itself (missing repo, not an adapter of the model) is never
answered from the cache: the copy only stands in for an unreachable Hub.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2

from desktop.core.media_types import LoraChoice
from desktop.providers.hub_adapters import (
    AdapterInfo,
    HubUnreachable,
    checked_choice,
    fetch_adapter,
    search_adapters,
)
from desktop.store.model_cache import CachedList, ModelListCache

LIST_TTL_S = 6 * 3600.0
"""A base model's list of styles: new adapters appear over days, not minutes."""
CARD_TTL_S = 24 * 3600.0
"""One adapter's card and files: they rarely change once published."""
MEMORY_ENTRIES = 200
DISK_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class StyleList:
    """Styles of one base model, and whether they are an older copy (the Hub out of reach)."""

    adapters: list[AdapterInfo]
    fetched_at: float
    stale: bool = False

    def as_of(self) -> str:
        """``as of 7 Dec 2026, 14:05`` (local time), for the offline wording."""
        when = datetime.fromtimestamp(self.fetched_at).astimezone()
        return f"as of {when.day} {when:%b %Y, %H:%M}"


def _info_data(info: AdapterInfo) -> dict[str, Any]:
    """Plain JSON (tuples as lists), the same in memory as on disk."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(info).items()}


def _info_from(data: Any) -> AdapterInfo | None:
    """An :class:`AdapterInfo` back from its cached JSON; None when damaged."""
    if not isinstance(data, dict) or not isinstance(data.get("repo"), str):
        return None

    def strings(value: Any) -> tuple[str, ...]:
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    trigger, weights, downloads = (
        data.get("trigger"),
        data.get("weights_file"),
        data.get("downloads"),
    )
    return AdapterInfo(
        data["repo"],
        strings(data.get("base_models")),
        trigger if isinstance(trigger, str) else None,
        strings(data.get("examples")),
        weights if isinstance(weights, str) else None,
        downloads if isinstance(downloads, int) else 0,
    )


class StyleBook:
    """Looks styles up on the Hub through a bounded, expiring cache (memory, then disk).

    Without :meth:`keep_in` it keeps answers in memory only (tests, the engine alone).
    """

    def __init__(
        self,
        client: httpx2.AsyncClient,
        hub: str,
        token: Callable[[], str | None],
        *,
        executor: Executor | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._hub = hub
        self._token = token
        self._executor = executor
        self.clock = clock
        """Seconds since the epoch; tests move it to age the copies."""
        self._disk: ModelListCache | None = None
        self._memory: OrderedDict[str, CachedList] = OrderedDict()

    def keep_in(self, directory: Path, max_bytes: int = DISK_BYTES) -> None:
        """Keep answers on disk under ``directory`` too, so they outlive the session."""
        self._disk = ModelListCache(directory, max_bytes)

    async def search(self, base: str, text: str = "") -> StyleList:
        """The styles of ``base`` (narrowed by ``text``); raises
        :class:`~desktop.providers.hub_adapters.AdapterProblem` when neither the Hub nor a copy
        can answer."""
        key = f"styles|{self._hub}|{base}|{text.strip().lower()}"

        async def fetch() -> Any:
            found = await search_adapters(self._client, self._hub, base, text, token=self._token())
            return [_info_data(a) for a in found]

        entry, stale = await self._lookup(key, LIST_TTL_S, fetch, lambda d: isinstance(d, list))
        adapters = [a for a in (_info_from(i) for i in entry.data) if a is not None]
        return StyleList(adapters, entry.fetched_at, stale)

    async def check(self, choice: LoraChoice, base: str) -> LoraChoice:
        """``choice`` completed from its card, or
        :class:`~desktop.providers.hub_adapters.AdapterProblem` (not an adapter of ``base``,
        missing, or the Hub out of reach with no copy)."""
        key = f"card|{self._hub}|{choice.repo.lower()}"

        async def fetch() -> Any:
            info = await fetch_adapter(self._client, self._hub, choice.repo, token=self._token())
            return _info_data(info)

        entry, _stale = await self._lookup(
            key, CARD_TTL_S, fetch, lambda d: _info_from(d) is not None
        )
        info = _info_from(entry.data)
        assert info is not None  # checked by _lookup
        return checked_choice(info, choice, base)

    # --- the cache -------------------------------------------------------------------------

    async def _lookup(
        self,
        key: str,
        ttl_s: float,
        fetch: Callable[[], Awaitable[Any]],
        valid: Callable[[Any], bool],
    ) -> tuple[CachedList, bool]:
        """(entry, stale): a fresh copy, else the Hub's answer, else an old copy when the Hub
        is out of reach. A copy whose data is not ``valid`` (damaged) counts as none."""
        kept = await self._kept(key)
        if kept is not None and not valid(kept.data):
            kept = None
        now = self.clock()
        if kept is not None and 0 <= now - kept.fetched_at < ttl_s:
            return kept, False
        try:
            data = await fetch()
        except HubUnreachable:
            if kept is None:
                raise
            return kept, True
        entry = CachedList(key, now, data)
        await self._store(entry)
        return entry, False

    async def _kept(self, key: str) -> CachedList | None:
        entry = self._memory.get(key)
        if entry is not None:
            self._memory.move_to_end(key)
            return entry
        if self._disk is None:
            return None
        loop = asyncio.get_running_loop()
        entry = await loop.run_in_executor(self._executor, self._disk.read, key)
        if entry is not None:
            self._remember(entry)
        return entry

    async def _store(self, entry: CachedList) -> None:
        self._remember(entry)
        if self._disk is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._disk.write, entry)

    def _remember(self, entry: CachedList) -> None:
        self._memory[entry.key] = entry
        self._memory.move_to_end(entry.key)
        while len(self._memory) > MEMORY_ENTRIES:
            self._memory.popitem(last=False)
