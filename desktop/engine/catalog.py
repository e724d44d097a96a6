"""Which providers serve a model: the Hub's ``inferenceProviderMapping``, cached on disk.

Unlike the HF clients' process-lifetime ``lru_cache``, entries here expire (10 minutes) and are
refreshed, but a stale entry is still used when the Hub cannot be reached, so routing works
offline for every model the user has used before. The cache also feeds the model pickers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from desktop.core.errors import CatalogueUnavailable, SwitchboardError
from desktop.core.table import Endpoints
from desktop.engine.model_ids import check_hub_id, hub_id_problem
from desktop.store.atomic import atomic_write_text

if TYPE_CHECKING:
    import httpx2

MAPPING_TTL_S = 600.0
CACHE_FILE = "mappings.json"


@dataclass(frozen=True)
class MappingEntry:
    """One provider's entry of a model's mapping, in the Hub's order."""

    provider: str
    provider_model: str
    task: str
    status: str


@dataclass(frozen=True)
class ProviderStats:
    """What the router's ``/v1/models`` publishes about one provider of one model (§2.5)."""

    context_length: int | None = None
    price_in: float | None = None  # USD per million input tokens
    price_out: float | None = None
    ttft_ms: float | None = None
    throughput: float | None = None  # output tokens per second
    status: str = "live"


def parse_stats(data: Any) -> dict[str, ProviderStats]:
    """Provider entries of one ``/v1/models/{id}`` answer (or a list item of ``/v1/models``)."""
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"][0] if data["data"] else {}
    providers = data.get("providers") if isinstance(data, dict) else None
    stats: dict[str, ProviderStats] = {}
    for entry in providers if isinstance(providers, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("provider"), str):
            continue
        raw_pricing = entry.get("pricing")
        pricing: dict[str, Any] = raw_pricing if isinstance(raw_pricing, dict) else {}

        def num(value: Any) -> float | None:
            return float(value) if isinstance(value, int | float) else None

        ctx = entry.get("context_length")
        stats[entry["provider"]] = ProviderStats(
            context_length=int(ctx) if isinstance(ctx, int | float) else None,
            price_in=num(pricing.get("input")),
            price_out=num(pricing.get("output")),
            ttft_ms=num(entry.get("first_token_latency_ms")),
            throughput=num(entry.get("throughput")),
            status=str(entry.get("status", "live")),
        )
    return stats


def parse_mapping(data: Any) -> list[MappingEntry]:
    """Accept both shapes the Hub returns: the dict of ``model_info`` and the list form."""
    raw = data.get("inferenceProviderMapping") if isinstance(data, dict) else None
    items: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [(str(e.get("provider", "")), e) for e in raw if isinstance(e, dict)]
    entries = []
    for provider, entry in items:
        if not isinstance(entry, dict) or not provider or not entry.get("providerId"):
            continue
        entries.append(
            MappingEntry(
                provider=provider,
                provider_model=str(entry["providerId"]),
                task=str(entry.get("task", "")),
                status=str(entry.get("status", "live")),
            )
        )
    return entries


def read_cache(cache_path: Path) -> dict[str, dict[str, Any]]:
    """The cached mappings by model id; {} when the file is missing or damaged."""
    try:
        data = json.loads(cache_path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def models_for_task(cache: dict[str, dict[str, Any]], task: str) -> list[str]:
    """Model ids with at least one entry for ``task``, the most recently fetched first."""
    found = []
    for model_id, record in cache.items():
        if any(e.get("task") == task for e in record.get("entries", [])):
            found.append((record.get("fetched_at", 0.0), model_id))
    return [m for _, m in sorted(found, reverse=True)]


def cached_models_in(cache_dir: Path, task: str) -> list[str]:
    """:meth:`ModelCatalog.cached_models` straight from the disk cache: the window's model
    picker reads it before the engine (and its HTTP stack) is made (issue 8)."""
    return models_for_task(read_cache(cache_dir / CACHE_FILE), task)


class ModelCatalog:
    """Model → provider mapping with a disk cache that survives restarts and outages."""

    def __init__(
        self,
        client: httpx2.AsyncClient,
        endpoints: Endpoints,
        cache_dir: Path,
        *,
        executor: Executor | None = None,
        ttl_s: float = MAPPING_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._endpoints = endpoints
        self._cache_path = cache_dir / CACHE_FILE
        self._executor = executor
        self._ttl = ttl_s
        self._clock = clock
        self._cache: dict[str, dict[str, Any]] = self._read_cache()
        self._inflight: dict[str, asyncio.Future[list[MappingEntry]]] = {}
        self._stats_tasks: dict[str, asyncio.Future[dict[str, ProviderStats]]] = {}

    def _read_cache(self) -> dict[str, dict[str, Any]]:
        return read_cache(self._cache_path)

    def _write_cache(self, snapshot: str) -> None:
        with contextlib.suppress(OSError):  # a cache: losing it costs one fetch, not data
            atomic_write_text(self._cache_path, snapshot)

    def cached(self, model_id: str) -> list[MappingEntry] | None:
        record = self._cache.get(model_id)
        if not record:
            return None
        # Parsed once per fetched mapping: candidates are built on every request.
        parsed = record.get("_parsed")
        if parsed is None or parsed[0] is not record.get("entries"):
            entries = [MappingEntry(**e) for e in record.get("entries", [])]
            parsed = record["_parsed"] = (record.get("entries"), entries)
        return list(parsed[1])

    def cached_models(self, task: str) -> list[str]:
        """Model ids seen in the cache with at least one entry for ``task`` (for pickers)."""
        return models_for_task(self._cache, task)

    def fetched_at(self, model_id: str) -> float:
        """When the model's mapping was last fetched (changes whenever it is refetched)."""
        record = self._cache.get(model_id)
        return float(record.get("fetched_at", -1.0)) if record else -1.0

    def cached_stats(self, model_id: str) -> dict[str, ProviderStats]:
        record = self._cache.get(model_id) or {}
        raw = record.get("stats") or {}
        parsed = record.get("_stats_parsed")
        if parsed is not None and parsed[0] is raw:
            return parsed[1]  # type: ignore[no-any-return]
        stats = {p: ProviderStats(**v) for p, v in raw.items() if isinstance(v, dict)}
        if record:
            record["_stats_parsed"] = (raw, stats)
        return stats

    async def provider_stats(self, model_id: str) -> dict[str, ProviderStats]:
        """Published price, speed and context per provider; {} when unknown or unreachable.

        Fetched without credentials (the list is public) and cached with the mapping, so
        "fastest" and "cheapest" keep working offline with the last numbers seen.
        """
        import httpx2  # not at import: the window reads the cache without it

        if hub_id_problem(model_id) is not None:
            return {}
        record = self._cache.get(model_id)
        if (
            record
            and "stats" in record
            and (self._clock() - float(record.get("stats_at", 0.0)) < self._ttl)
        ):
            return self.cached_stats(model_id)
        url = f"{self._endpoints.router}/v1/models/{quote(model_id, safe='/')}"
        try:
            response = await self._client.get(url, timeout=httpx2.Timeout(5.0))
            stats = parse_stats(response.json()) if response.status_code == 200 else None
        except (httpx2.HTTPError, ValueError):
            stats = None
        if stats is None:
            return self.cached_stats(model_id)
        record = self._cache.setdefault(model_id, {"fetched_at": 0.0, "entries": []})
        record["stats"] = {p: asdict(v) for p, v in stats.items()}
        record["stats_at"] = self._clock()
        return stats

    def refresh_stats_soon(self, model_id: str) -> None:
        """Start a background refresh of stale stats; never awaited by a request."""
        record = self._cache.get(model_id) or {}
        fresh = self._clock() - float(record.get("stats_at", 0.0)) < self._ttl
        if fresh or model_id in self._stats_tasks:
            return
        task = asyncio.ensure_future(self.provider_stats(model_id))
        self._stats_tasks[model_id] = task
        task.add_done_callback(lambda _t: self._stats_tasks.pop(model_id, None))

    async def aclose(self) -> None:
        for task in list(self._stats_tasks.values()):
            task.cancel()
        if self._stats_tasks:
            await asyncio.wait(list(self._stats_tasks.values()), timeout=1.0)

    def invalidate(self, model_id: str) -> None:
        """Mark a mapping stale (a provider said 404/410), so the next request refetches it."""
        if model_id in self._cache:
            self._cache[model_id]["fetched_at"] = 0.0

    def fresh_at(self, model_id: str) -> float | None:
        """When the model's mapping was fetched, while it is fresh enough that :meth:`mapping`
        answers from the cache; None when :meth:`mapping` would fetch it. Checks the id as
        :meth:`mapping` does. Lets a request whose candidates are already built skip the
        mapping's coroutine and its copy of the entries (issue 8)."""
        check_hub_id(model_id)
        record = self._cache.get(model_id)
        if record:
            fetched = float(record.get("fetched_at", 0.0))
            if self._clock() - fetched < self._ttl:
                return fetched
        return None

    async def mapping(self, model_id: str, token: str | None = None) -> list[MappingEntry]:
        """The model's mapping: fresh cache, else the Hub, else a stale cache, else an error."""
        check_hub_id(model_id)  # before any URL is built from it
        record = self._cache.get(model_id)
        if record and self._clock() - float(record.get("fetched_at", 0.0)) < self._ttl:
            return self.cached(model_id) or []
        pending = self._inflight.get(model_id)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch_and_store(model_id, token))
            self._inflight[model_id] = pending
            pending.add_done_callback(lambda _f: self._inflight.pop(model_id, None))
        try:
            return await asyncio.shield(pending)
        except CatalogueUnavailable:
            stale = self.cached(model_id)
            if stale is not None:
                return stale
            raise

    async def _fetch_and_store(self, model_id: str, token: str | None) -> list[MappingEntry]:
        entries = await self._fetch(model_id, token)
        record = self._cache.setdefault(model_id, {})
        record["fetched_at"] = max(self._clock(), float(record.get("fetched_at", 0.0)) + 1e-6)
        record["entries"] = [asdict(e) for e in entries]
        snapshot = json.dumps(
            {
                k: {f: v for f, v in r.items() if not f.startswith("_")}
                for k, r in self._cache.items()
            },
            indent=1,
        )
        await asyncio.get_running_loop().run_in_executor(
            self._executor, self._write_cache, snapshot
        )
        return entries

    async def _fetch(self, model_id: str, token: str | None) -> list[MappingEntry]:
        import httpx2  # not at import: the window reads the cache without it

        url = f"{self._endpoints.hub}/api/models/{quote(model_id, safe='/')}"
        headers = {"authorization": f"Bearer {token}"} if token else {}
        try:
            response = await self._client.get(
                url,
                params={"expand": "inferenceProviderMapping"},
                headers=headers,
                timeout=httpx2.Timeout(10.0),
            )
            if response.status_code in (401, 402, 403) and token:
                # A bad or limited token must not hide a public model's mapping: ask again
                # anonymously, as huggingface.js does; the provider call reports the token.
                response = await self._client.get(
                    url,
                    params={"expand": "inferenceProviderMapping"},
                    timeout=httpx2.Timeout(10.0),
                )
        except httpx2.HTTPError as exc:
            raise CatalogueUnavailable(
                "Could not ask Hugging Face which providers serve "
                f"{model_id} ({type(exc).__name__}); check your connection and try again."
            ) from exc
        if response.status_code in (401, 404):
            # No button: "Open Providers" cannot fix a misspelt id (issue 11); the model
            # browser's check offers close matches before sending.
            raise SwitchboardError(
                f"Hugging Face has no public model called {model_id}; check the spelling "
                "(it looks like owner/name)."
            )
        if response.status_code >= 400:
            raise CatalogueUnavailable(
                f"Hugging Face could not list the providers of {model_id} right now "
                f"(HTTP {response.status_code}); try again in a moment."
            )
        try:
            return parse_mapping(response.json())
        except ValueError as exc:
            raise CatalogueUnavailable(
                "Hugging Face answered with something that is not a model description; "
                "try again in a moment."
            ) from exc
