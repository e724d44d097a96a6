"""The model browser's data: which models exist for a task, who serves them, and for whom.

Three sources feed it (issue 11): the Hub's model list (``/api/models`` with filters), the
router's catalogue (``/v1/models``: prices, context, speed, status per provider) and each custom
server's own ``/v1/models``. Every answer is kept in a bounded disk cache so browsing works
offline, and shipped starter picks mean a first launch without a network still offers real
choices. No Qt here: the browser window and ``switchboard models`` read the same object.

Network rules: at most one request in flight per source; a new search cancels the Hub search
still running (type-ahead asks often); file I/O runs in the thread pool, never on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2

from desktop import assets
from desktop.core.table import Endpoints
from desktop.engine.candidates import custom_api_base
from desktop.engine.catalog import ModelCatalog
from desktop.engine.credentials import Credentials
from desktop.engine.health import HealthBook
from desktop.engine.model_offers import OfferMaker
from desktop.engine.model_picks import ModelPicks
from desktop.engine.model_tasks import (
    MAPPING_TASKS,
    PIPELINE_TAGS,
    TASKS,
    TaskName,
    age_text,
    author_of,
    readable_name,
    task_for_tag,
    wrong_task_text,
)
from desktop.engine.model_types import (
    ModelInfo,
    ModelPage,
    ModelWarning,
    OfferState,
    Pick,
    ProviderOffer,
)
from desktop.engine.model_typos import close_ids
from desktop.providers import hub_models
from desktop.providers.hub_models import ListUnavailable
from desktop.store.model_cache import DEFAULT_MAX_BYTES, CachedList, ModelListCache
from desktop.store.settings import CustomEndpoint, Settings
from desktop.store.state import StateStore

__all__ = [
    "SORTS",
    "TASKS",
    "ModelDirectory",
    "ModelInfo",
    "ModelPage",
    "ModelWarning",
    "OfferState",
    "Pick",
    "ProviderOffer",
    "TaskName",
]

SORTS = ("trending", "likes", "downloads")

HUB_TTL_S = 600.0
"""A Hub answer younger than this is shown without asking again."""
ROUTER_TTL_S = 600.0
SERVER_TTL_S = 60.0
"""Local servers load and unload models often: ask them again after a minute."""
NEW_DAYS = 30
STARTER_FILE = "starter_models.json"

Json = dict[str, Any]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Known:
    """What the directory knows about one id, from any source, for :meth:`check`."""

    tasks: frozenset[TaskName]
    vision: bool | None
    name: str


def _hub_key(task: TaskName, text: str, provider: str | None, sort: str, limit: int) -> str:
    return f"hub|{task}|{provider or 'all'}|{sort}|{limit}|{text.strip().lower()}"


def _server_key(endpoint: CustomEndpoint) -> str:
    return f"server|{endpoint.name}|{custom_api_base(endpoint.base_url)}"


def _server_task(name: str) -> TaskName:
    """A local server's model is an embeddings model when its name says so, else chat."""
    return "embeddings" if "embed" in name.lower() else "chat"


def _matches(text: str, *fields: str) -> bool:
    needle = text.strip().lower()
    return not needle or any(needle in f.lower() for f in fields)


def _is_new(created_at: str, now: float) -> bool:
    if not created_at:
        return False
    try:
        created = datetime.fromisoformat(created_at).timestamp()
    except ValueError:
        return False
    return now - created < NEW_DAYS * 86400


def _sort_value(record: Json, sort: str) -> float:
    field = {"trending": "trending", "likes": "likes", "downloads": "downloads"}.get(sort)
    value = record.get(field or "trending")
    return float(value) if isinstance(value, int | float) else -1.0


def _load_starters() -> dict[TaskName, list[Json]]:
    """The shipped starter picks, per tab, as records shaped like Hub records."""
    data = assets.read_json(STARTER_FILE)
    out: dict[TaskName, list[Json]] = {task: [] for task in TASKS}
    for task in TASKS:
        for item in data.get("tasks", {}).get(task, []):
            out[task].append(
                {
                    "id": item["id"],
                    "name": item.get("name") or readable_name(item["id"]),
                    "pipeline_tag": item.get("pipeline_tag", PIPELINE_TAGS[task][0]),
                    "summary": item.get("summary", ""),
                    "badges": list(item.get("badges", [])),
                }
            )
    return out


class ModelDirectory:
    """Browse models per task from the Hub, the router and custom servers, cached on disk.

    ``cached`` never does I/O (memory + starter picks: type-ahead); ``search`` and ``show``
    go to the network, at most one request in flight per source, and fall back to the disk
    cache and then the starter picks when offline.
    """

    def __init__(
        self,
        client: httpx2.AsyncClient,
        endpoints: Endpoints,
        cache_dir: Path,
        *,
        settings: Callable[[], Settings],
        credentials: Credentials,
        health: HealthBook,
        picks: StateStore,
        executor: Executor | None = None,
        clock: Callable[[], float] | None = None,
        max_cache_bytes: int = DEFAULT_MAX_BYTES,
        catalog: ModelCatalog | None = None,
    ) -> None:
        self._client = client
        self._endpoints = endpoints
        self._settings = settings
        self._credentials = credentials
        self._health = health
        self._picks = picks
        self._executor = executor
        self._clock = clock or time.time
        self._catalog = catalog
        self._offer_maker = OfferMaker(settings, credentials, health, endpoints)
        self._picks_book = ModelPicks(picks, self._clock)
        self.store = ModelListCache(cache_dir, max_cache_bytes)
        self._lists: OrderedDict[str, CachedList] = OrderedDict()
        self._index: dict[str, Json] | None = None
        self._router_index: tuple[object, dict[str, Json]] = (None, {})
        self._loaded: asyncio.Future[None] | None = None
        self._hub_task: asyncio.Future[list[Json]] | None = None
        self._inflight: dict[str, asyncio.Future[CachedList]] = {}
        self._writes: set[asyncio.Future[Any]] = set()
        self._starters = _load_starters()
        self.offline = False
        """Whether the last request to the Hub failed (pages then say so)."""

    # --- Loading and storing -------------------------------------------------------------

    def _ensure_loaded(self) -> asyncio.Future[None]:
        """Read the disk cache once, in the pool; later calls share the same future."""
        if self._loaded is None:
            loop = asyncio.get_running_loop()
            self._loaded = asyncio.ensure_future(self._load(loop))
        return self._loaded

    async def _load(self, loop: asyncio.AbstractEventLoop) -> None:
        entries = await loop.run_in_executor(self._executor, self.store.load_all)
        for entry in reversed(entries):  # oldest first, so the newest ends up last (MRU)
            if entry.key not in self._lists:
                self._lists[entry.key] = entry
                self._lists.move_to_end(entry.key, last=False)
        self._index = None

    def _remember(self, entry: CachedList) -> None:
        """Keep an answer in memory now and on disk soon (in the pool)."""
        self._lists[entry.key] = entry
        self._lists.move_to_end(entry.key)
        self._index = None
        loop = asyncio.get_running_loop()
        write = loop.run_in_executor(self._executor, self.store.write, entry)
        self._writes.add(write)

        def evicted(done: asyncio.Future[list[str]]) -> None:
            self._writes.discard(done)
            if done.cancelled() or done.exception() is not None:
                return
            for key in done.result():
                if key != entry.key:
                    self._lists.pop(key, None)
            self._index = None

        write.add_done_callback(evicted)

    def _used(self, key: str) -> None:
        """Note a cache hit, so the disk cache keeps the entry longer."""
        if key in self._lists:
            self._lists.move_to_end(key)
        with contextlib.suppress(RuntimeError):
            loop = asyncio.get_running_loop()
            touch = loop.run_in_executor(self._executor, self.store.touch, key)
            self._writes.add(touch)
            touch.add_done_callback(self._writes.discard)

    async def flush(self) -> None:
        """Wait until every cache write so far is on disk (tests, shutdown)."""
        while self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel requests still running and finish the cache writes."""
        pending: list[asyncio.Future[Any]] = list(self._inflight.values())
        pending += [f for f in (self._hub_task, self._loaded) if f is not None and not f.done()]
        for future in pending:
            future.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)
        await self.flush()

    async def _shared(
        self, key: str, ttl: float, fetch: Callable[[], Awaitable[Any]]
    ) -> tuple[CachedList | None, bool]:
        """A fresh entry, else one fetch shared by every caller, else the stale entry.

        Returns the entry (None when nothing is known) and whether it is stale.
        """
        entry = self._lists.get(key)
        if entry is not None and self._clock() - entry.fetched_at < ttl:
            self._used(key)
            return entry, False
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(self._fetch_into(key, fetch))
            self._inflight[key] = future
            future.add_done_callback(lambda f: self._finished(key, f))
        try:
            return await asyncio.shield(future), False
        except ListUnavailable:
            return self._lists.get(key), True

    def _finished(self, key: str, future: asyncio.Future[CachedList]) -> None:
        if self._inflight.get(key) is future:
            del self._inflight[key]
        if not future.cancelled():
            future.exception()  # retrieved: nobody may be waiting any more

    async def _fetch_into(self, key: str, fetch: Callable[[], Awaitable[Any]]) -> CachedList:
        data = await fetch()
        entry = CachedList(key, self._clock(), data)
        self._remember(entry)
        return entry

    # --- Indexes of what is known ----------------------------------------------------------

    def _hub_records(self) -> dict[str, Json]:
        """Every Hub record in memory by id, newest answer winning."""
        if self._index is None:
            index: dict[str, Json] = {}
            for entry in sorted(self._lists.values(), key=lambda e: e.fetched_at):
                if entry.key.startswith("hub|") and isinstance(entry.data, list):
                    for record in entry.data:
                        if isinstance(record, dict) and isinstance(record.get("id"), str):
                            index[record["id"]] = record
                elif entry.key.startswith("model|") and isinstance(entry.data, dict):
                    index[entry.data["id"]] = entry.data
            self._index = index
        return self._index

    def _router_records(self) -> dict[str, Json]:
        entry = self._lists.get("router")
        if entry is None or not isinstance(entry.data, list):
            return {}
        if self._router_index[0] is not entry:
            index = {r["id"]: r for r in entry.data if isinstance(r, dict) and "id" in r}
            self._router_index = (entry, index)
        return self._router_index[1]

    def _starter(self, model_id: str) -> tuple[TaskName, Json] | None:
        for task in TASKS:
            for record in self._starters[task]:
                if record["id"] == model_id:
                    return task, record
        return None

    def server_models(self, name: str) -> list[str]:
        """What the custom server ``name`` offers as far as is known (no I/O): its aliases and
        the names it listed last. The engine's Auto uses the server for these."""
        endpoint = self._settings().custom(name)
        return self._server_names(endpoint) if endpoint is not None else []

    def _server_names(self, endpoint: CustomEndpoint) -> list[str]:
        """Names a custom server offers: the user's aliases, then what it listed last."""
        entry = self._lists.get(_server_key(endpoint))
        listed = entry.data if entry is not None and isinstance(entry.data, list) else []
        served = set(endpoint.models.values())
        names = list(endpoint.models)
        names += [n for n in listed if isinstance(n, str) and n not in names and n not in served]
        return names

    # --- Building ModelInfo ----------------------------------------------------------------

    def _info(self, record: Json, task: TaskName | None) -> ModelInfo:
        """A Hub (or starter) record as the browser shows it."""
        model_id: str = record["id"]
        pipeline_tag = str(record.get("pipeline_tag") or "")
        own_task = task_for_tag(pipeline_tag) if pipeline_tag else None
        shown_task = own_task or task
        starter = self._starter(model_id)
        router = self._router_records().get(model_id)
        if shown_task is not None:
            mapping_tasks: tuple[str, ...] = MAPPING_TASKS[shown_task]
        else:
            mapping_tasks = tuple(t for ts in MAPPING_TASKS.values() for t in ts)
        offers = self._offer_maker.offers(
            record.get("mapping", []),
            mapping_tasks,
            router if shown_task == "chat" else None,
        )
        badges = set(record.get("badges", []))
        if starter is not None:
            badges.add("starter")
            badges.update(starter[1].get("badges", []))
        if pipeline_tag == "image-text-to-text" or (router is not None and router.get("vision")):
            badges.add("reads images")
        if any(o.supports_tools for o in offers):
            badges.add("uses tools")
        if any(o.is_free for o in offers):
            badges.add("free")
        if _is_new(str(record.get("created_at", "")), self._clock()):
            badges.add("new")
        summary = (starter[1].get("summary", "") if starter else "") or record.get("summary", "")
        name = (starter[1].get("name") if starter else None) or readable_name(model_id)
        return ModelInfo(
            id=model_id,
            name=str(name),
            author=author_of(model_id),
            task=shown_task,
            pipeline_tag=pipeline_tag,
            summary=str(summary),
            likes=record.get("likes"),
            downloads=record.get("downloads"),
            trending=record.get("trending"),
            badges=frozenset(badges),
            offers=offers,
        )

    def _starter_infos(self, task: TaskName, text: str) -> list[ModelInfo]:
        known = self._hub_records()
        out = []
        for record in self._starters[task]:
            if not _matches(text, record["id"], record["name"], record["summary"]):
                continue
            hub = known.get(record["id"])
            out.append(self._info({**record, **hub} if hub else record, task))
        return out

    def _custom_infos(
        self, task: TaskName, text: str, only: CustomEndpoint | None = None
    ) -> list[ModelInfo]:
        """Models of the enabled custom servers (or of one) that fit the tab."""
        if task not in ("chat", "embeddings"):
            return []
        settings = self._settings()
        endpoints = [only] if only is not None else settings.custom_endpoints
        out: list[ModelInfo] = []
        for endpoint in endpoints:
            if only is None and not settings.is_enabled(endpoint.name):
                continue
            offer = self._offer_maker.custom(endpoint)
            for name in self._server_names(endpoint):
                if _server_task(endpoint.served_name(name)) != task or not _matches(text, name):
                    continue
                out.append(
                    ModelInfo(
                        id=name,
                        name=name,
                        author=endpoint.name,
                        task=task,
                        pipeline_tag="",
                        summary=f"served by {endpoint.name}",
                        badges=frozenset({"free"}),
                        offers=(offer,),
                    )
                )
        return out

    # --- Browsing ------------------------------------------------------------------------

    def cached(
        self, task: TaskName, text: str = "", *, provider: str | None = None, limit: int = 50
    ) -> ModelPage:
        """Instant: what memory and the starter picks know, for type-ahead. No I/O.

        Every cached answer of the tab is searched, so a few typed letters already find the
        models an earlier, shorter query returned. The first call also starts reading the disk
        cache in the background.
        """
        with contextlib.suppress(RuntimeError):  # no running loop: memory only
            self._ensure_loaded()
        settings = self._settings()
        custom = settings.custom(provider) if provider else None
        if custom is not None:
            entry = self._lists.get(_server_key(custom))
            return ModelPage(
                tuple(self._custom_infos(task, text, custom)),
                entry.fetched_at if entry else None,
                self.offline,
            )
        records, newest = self._cached_records(task, text, provider)
        models: list[ModelInfo] = []
        for record in records:
            info = self._info(record, task)
            if provider and not any(o.provider == provider for o in info.offers):
                continue
            models.append(info)
            if len(models) >= limit:
                break
        if provider is None:
            shown = {m.id for m in models}
            models = self._custom_infos(task, text) + models
            models += [s for s in self._starter_infos(task, text) if s.id not in shown]
        note = self._note(newest) if self.offline else ""
        return ModelPage(tuple(models), newest, self.offline and newest is not None, note)

    def _cached_records(
        self, task: TaskName, text: str, provider: str | None
    ) -> tuple[list[Json], float | None]:
        """Hub records of the tab in memory matching ``text``: the exact query's answer in its
        own order if cached, else every answer's, most trending first; and the newest date."""
        tags = set(PIPELINE_TAGS[task])
        exact = self._lists.get(_hub_key(task, text, provider, "trending", 30))
        entries = [exact] if exact is not None else []
        entries += [e for e in reversed(self._lists.values()) if e.key.startswith(f"hub|{task}|")]
        found: dict[str, Json] = {}
        newest: float | None = None
        for entry in entries:
            for record in entry.data if isinstance(entry.data, list) else []:
                if record["id"] in found or record.get("pipeline_tag") not in tags:
                    continue
                if _matches(text, record["id"], record.get("summary", "")):
                    found[record["id"]] = record
                    newest = max(newest or 0.0, entry.fetched_at)
        records = list(found.values())
        if exact is None:
            records.sort(
                key=lambda r: (r.get("trending") or 0.0, r.get("likes") or 0), reverse=True
            )
        return records, newest

    def _note(self, fetched_at: float | None) -> str:
        if fetched_at is None:
            return "Offline: showing starter picks; connect to see every model."
        return f"Offline: results from {age_text(self._clock() - fetched_at)}."

    async def search(
        self,
        task: TaskName,
        text: str = "",
        *,
        provider: str | None = None,
        sort: str = "trending",
        limit: int = 30,
        refresh: bool = False,
    ) -> ModelPage:
        """Ask the sources; a newer search cancels an older one still in flight.

        The cancelled call raises :class:`asyncio.CancelledError`. Answers younger than ten
        minutes are reused unless ``refresh`` (the command line always asks afresh). Offline,
        the answer comes from the cache (``stale``, with a note saying how old), else from the
        starter picks.
        """
        await self._ensure_loaded()
        text = text.strip()
        custom = self._settings().custom(provider) if provider else None
        if custom is not None:
            return await self._server_page(custom, task, text, refresh)
        hub = self._hub_search(task, text, provider, sort, limit, refresh)
        router = self._router_list(refresh) if task == "chat" else _nothing()
        servers = self._server_lists(refresh) if provider is None else _nothing()
        (records, fetched_at, stale), _, _ = await asyncio.gather(hub, router, servers)
        if records is None:
            # Offline and this exact query never answered: what other queries and the starter
            # picks know, filtered by the text.
            page = self.cached(task, text, provider=provider)
            return ModelPage(page.models, page.fetched_at, True, self._note(page.fetched_at))
        models = [self._info(r, task) for r in records]
        shown = {m.id for m in models}
        if provider is None:
            custom_infos = [m for m in self._custom_infos(task, text) if m.id not in shown]
            models = custom_infos + models
        if not text and provider is None:
            # Starter picks the list left out still belong on the first page of a tab.
            models += [s for s in self._starter_infos(task, "") if s.id not in shown]
        note = self._note(fetched_at) if stale else ""
        return ModelPage(tuple(models), fetched_at, stale, note)

    async def _hub_search(
        self,
        task: TaskName,
        text: str,
        provider: str | None,
        sort: str,
        limit: int,
        refresh: bool = False,
    ) -> tuple[list[Json] | None, float | None, bool]:
        key = _hub_key(task, text, provider, sort, limit)
        entry = self._lists.get(key)
        if entry is not None and not refresh and self._clock() - entry.fetched_at < HUB_TTL_S:
            self._used(key)
            return list(entry.data), entry.fetched_at, False
        previous = self._hub_task
        if previous is not None and not previous.done():
            previous.cancel()
        fetch = asyncio.ensure_future(self._fetch_hub(task, text, provider, sort, limit))
        self._hub_task = fetch
        try:
            records = await fetch
        except ListUnavailable:
            self.offline = True
            if entry is not None:
                self._used(key)
                return list(entry.data), entry.fetched_at, True
            return None, None, True
        self.offline = False
        fresh = CachedList(key, self._clock(), records)
        self._remember(fresh)
        return records, fresh.fetched_at, False

    async def _fetch_hub(
        self, task: TaskName, text: str, provider: str | None, sort: str, limit: int
    ) -> list[Json]:
        """One Hub list per pipeline tag of the tab, one after the other, merged."""
        merged: dict[str, Json] = {}
        for tag in PIPELINE_TAGS[task]:
            for record in await hub_models.list_hub_models(
                self._client,
                self._endpoints.hub,
                search=text,
                pipeline_tag=tag,
                inference_provider=provider or "all",
                sort=sort,
                limit=limit,
                executor=self._executor,
            ):
                merged.setdefault(record["id"], record)
        records = list(merged.values())
        if len(PIPELINE_TAGS[task]) > 1:
            records.sort(key=lambda r: _sort_value(r, sort), reverse=True)
        return records[:limit]

    async def _router_list(self, refresh: bool = False) -> None:
        """Refresh the router's catalogue when old; a failure keeps the last one."""
        await self._shared(
            "router",
            0.0 if refresh else ROUTER_TTL_S,
            lambda: hub_models.list_router_models(
                self._client, self._endpoints.router, self._executor
            ),
        )

    async def _server_lists(self, refresh: bool = False) -> None:
        settings = self._settings()
        await asyncio.gather(
            *(
                self._server_list(e, refresh)
                for e in settings.custom_endpoints
                if settings.is_enabled(e.name)
            )
        )

    async def _server_list(
        self, endpoint: CustomEndpoint, refresh: bool = False
    ) -> tuple[CachedList | None, bool]:
        secret = self._credentials.provider_key(endpoint.name) if endpoint.needs_key else None
        return await self._shared(
            _server_key(endpoint),
            0.0 if refresh else SERVER_TTL_S,
            lambda: hub_models.list_server_models(
                self._client, custom_api_base(endpoint.base_url), endpoint.name, secret
            ),
        )

    async def _server_page(
        self, endpoint: CustomEndpoint, task: TaskName, text: str, refresh: bool = False
    ) -> ModelPage:
        if task not in ("chat", "embeddings"):
            return ModelPage(
                (),
                None,
                False,
                f"{endpoint.name} is an OpenAI-compatible server; it can chat and make "
                "embeddings, not this.",
            )
        entry, stale = await self._server_list(endpoint, refresh)
        note = ""
        if stale:
            when = age_text(self._clock() - entry.fetched_at) if entry else ""
            note = (
                f"{endpoint.name} did not answer; its list is from {when}."
                if entry
                else f"{endpoint.name} did not answer; showing only the names you gave it."
            )
        return ModelPage(
            tuple(self._custom_infos(task, text, endpoint)),
            entry.fetched_at if entry else None,
            stale,
            note,
        )

    async def show(self, model_id: str, *, refresh: bool = False) -> ModelInfo | None:
        """One model with its offers; None when no source knows it (see :attr:`offline`)."""
        await self._ensure_loaded()
        model_id = model_id.strip()
        if "/" not in model_id:
            # Not a Hub id (owner/name): only a custom server can know it.
            await self._server_lists(refresh)
            return self._custom_info(model_id)
        key = f"model|{model_id}"

        async def fetch() -> Json:
            record = await hub_models.hub_model(self._client, self._endpoints.hub, model_id)
            if record is None:
                raise _NoSuchModel
            return record

        try:
            (entry, stale), _ = await asyncio.gather(
                self._shared(key, 0.0 if refresh else HUB_TTL_S, fetch),
                self._router_list(refresh),
            )
        except _NoSuchModel:
            return self._custom_info(model_id)
        self.offline = stale
        record = entry.data if entry is not None else self._hub_records().get(model_id)
        if record is None:
            starter = self._starter(model_id)
            return self._info(starter[1], starter[0]) if starter else None
        return self._info(record, None)

    def _custom_info(self, model_id: str) -> ModelInfo | None:
        """A custom server's model by exact name, from the aliases and the lists last seen."""
        for endpoint in self._settings().custom_endpoints:
            task = _server_task(endpoint.served_name(model_id))
            for info in self._custom_infos(task, model_id, endpoint):
                if info.id == model_id:
                    return info
        return None

    # --- Checking a choice before sending ---------------------------------------------------

    def _known(self, model_id: str) -> _Known | None:
        tasks: set[TaskName] = set()
        vision: bool | None = None
        name = readable_name(model_id)
        found = False
        settings = self._settings()
        for endpoint in settings.custom_endpoints:
            if model_id in self._server_names(endpoint):
                tasks.add(_server_task(endpoint.served_name(model_id)))
                found = True
        starter = self._starter(model_id)
        if starter is not None:
            found = True
            tasks.add(starter[0])
            vision = "reads images" in starter[1].get("badges", [])
            name = starter[1]["name"]
        record = self._hub_records().get(model_id)
        if record is not None:
            found = True
            tag = str(record.get("pipeline_tag") or "")
            if (own := task_for_tag(tag)) is not None:
                tasks.add(own)
            for entry in record.get("mapping", []):
                if (mapped := task_for_tag(str(entry.get("task", "")))) is not None:
                    tasks.add(mapped)
            if tag == "image-text-to-text":
                vision = True
            elif tag == "text-generation" and vision is None:
                vision = False
        if self._catalog is not None:
            for mapping_entry in self._catalog.cached(model_id) or []:
                found = True
                if (mapped := task_for_tag(mapping_entry.task)) is not None:
                    tasks.add(mapped)
        router = self._router_records().get(model_id)
        if router is not None:
            found = True
            tasks.add("chat")
            vision = bool(router.get("vision"))
        return _Known(frozenset(tasks), vision, name) if found else None

    def _all_ids(self) -> list[str]:
        ids = list(self._hub_records())
        ids += [r["id"] for task in TASKS for r in self._starters[task]]
        ids += list(self._router_records())
        for endpoint in self._settings().custom_endpoints:
            ids += self._server_names(endpoint)
        return list(dict.fromkeys(ids))

    def check(
        self, model_id: str, task: TaskName, *, has_image: bool = False
    ) -> ModelWarning | None:
        """A warning from what is already known (cache + starter picks), or None. No I/O.

        An id nothing knows is flagged only when it looks like a misspelling of one that is
        known; otherwise it may well exist and the request will tell.
        """
        model_id = model_id.strip()
        known = self._known(model_id)
        if known is None:
            return self._unknown(model_id, task)
        if known.tasks and task not in known.tasks:
            fits = next(t for t in TASKS if t in known.tasks)
            return ModelWarning("wrong-task", wrong_task_text(fits, task), fits_task=fits)
        if has_image and task == "chat" and known.vision is False:
            return ModelWarning(
                "no-vision",
                f"{known.name} does not read images; pick a model marked \u201creads images\u201d "
                "or remove the picture.",
            )
        return None

    def _unknown(self, model_id: str, task: TaskName) -> ModelWarning | None:
        suggestions = close_ids(model_id, self._all_ids(), limit=5)
        if not suggestions:
            return None
        # Models of this tab first.
        suggestions.sort(key=lambda i: 0 if task in self._tasks_of(i) else 1)
        return ModelWarning(
            "unknown",
            f"No model called {model_id} is known; did you mean {suggestions[0]}?",
            suggestions=tuple(suggestions[:3]),
        )

    def _tasks_of(self, model_id: str) -> frozenset[TaskName]:
        known = self._known(model_id)
        return known.tasks if known is not None else frozenset()

    # --- Favourites and recents ------------------------------------------------------------

    def favourites(self, task: TaskName) -> list[Pick]:
        return self._picks_book.favourites(task)

    def recents(self, task: TaskName) -> list[Pick]:
        return self._picks_book.recents(task)

    def toggle_favourite(self, task: TaskName, model_id: str) -> bool:
        """Add or remove a favourite; True when it is now a favourite. Saved at once."""
        return self._picks_book.toggle_favourite(task, model_id)

    def note_used(self, task: TaskName, model_id: str, provider_policy: str = "auto") -> None:
        """Put the model first in the task's recents with the provider policy chosen."""
        self._picks_book.note_used(task, model_id, provider_policy)

    def provider_policy(self, model_id: str) -> str | None:
        """The provider policy last chosen for this model, or None."""
        return self._picks_book.provider_policy(model_id)


class _NoSuchModel(Exception):
    """The Hub answered 404 for a model (not a network failure: nothing to fall back on)."""


async def _nothing() -> None:
    return None
