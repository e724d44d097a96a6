"""The wire of the three model lists: the Hub's ``/api/models``, the router's ``/v1/models``
and an OpenAI-compatible server's own ``/v1/models``.

Everything here turns an HTTP answer into plain, JSON-ready dicts (so the engine can cache
them on disk as they are) and raises :class:`ListUnavailable` with one plain sentence when a
list cannot be had. Field names follow providers.md §2.5 and §3.1 and the Hub API pages of the
Inference Providers docs: ``inference_provider`` takes an id, a comma list or ``all``; the list
form of ``inferenceProviderMapping`` is ``[{provider, providerId, status, task}, …]``.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import Executor
from typing import Any
from urllib.parse import quote

import httpx2

HUB_EXPAND = (
    "inferenceProviderMapping",
    "pipeline_tag",
    "likes",
    "downloads",
    "trendingScore",
    "tags",
    "cardData",
    "createdAt",
)
"""Fields asked for with ``expand[]``; with ``expand`` the Hub returns only these and ``id``."""

HUB_SORT = {"trending": "trendingScore", "likes": "likes", "downloads": "downloads"}
"""Our sort names → the Hub's ``sort`` values (always descending)."""

LIST_TIMEOUT = httpx2.Timeout(10.0, connect=5.0)

Json = dict[str, Any]


class ListUnavailable(Exception):
    """A model list could not be fetched; the message is one sentence for a person."""


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    number = _num(value)
    return int(number) if number is not None else None


def _mapping(raw: Any) -> list[Json]:
    """Both shapes of ``inferenceProviderMapping`` as a list of ``{provider, …}`` dicts."""
    items: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [(str(e.get("provider", "")), e) for e in raw if isinstance(e, dict)]
    out: list[Json] = []
    for provider, entry in items:
        if not provider or not isinstance(entry, dict) or not entry.get("providerId"):
            continue
        out.append(
            {
                "provider": provider,
                "provider_model": str(entry["providerId"]),
                "task": str(entry.get("task", "")),
                "status": str(entry.get("status", "live")),
            }
        )
    return out


def _summary(card: Any) -> str:
    """A one-line description from the card's metadata, when the author wrote one."""
    if not isinstance(card, dict):
        return ""
    for key in ("description", "summary"):
        value = card.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().splitlines()[0][:160]
    return ""


def parse_hub_model(item: Any) -> Json | None:
    """One item of ``/api/models`` (or a ``/api/models/{id}`` answer) as a plain record."""
    if not isinstance(item, dict):
        return None
    model_id = item.get("id") or item.get("modelId")
    if not isinstance(model_id, str) or not model_id:
        return None
    tags = item.get("tags")
    created = item.get("createdAt")
    return {
        "id": model_id,
        "pipeline_tag": str(item.get("pipeline_tag") or ""),
        "tags": [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        "likes": _int(item.get("likes")),
        "downloads": _int(item.get("downloads")),
        "trending": _num(item.get("trendingScore")),
        "created_at": created if isinstance(created, str) else "",
        "summary": _summary(item.get("cardData")),
        "mapping": _mapping(item.get("inferenceProviderMapping")),
    }


def _hub_params(
    *, search: str, pipeline_tag: str, inference_provider: str, sort: str, limit: int
) -> list[tuple[str, str | int | float | bool | None]]:
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("inference_provider", inference_provider),
        ("pipeline_tag", pipeline_tag),
        ("sort", HUB_SORT.get(sort, "trendingScore")),
        ("direction", "-1"),
        ("limit", str(limit)),
    ]
    if search:
        params.insert(0, ("search", search))
    params.extend(("expand[]", field) for field in HUB_EXPAND)
    return params


async def _get_json(
    client: httpx2.AsyncClient,
    url: str,
    what: str,
    executor: Executor | None = None,
    **kwargs: Any,
) -> Any:
    """GET and parse; lists can run to megabytes, so the parsing happens in ``executor``."""
    try:
        response = await client.get(url, timeout=LIST_TIMEOUT, **kwargs)
    except httpx2.HTTPError as exc:
        raise ListUnavailable(f"Could not reach {what} ({type(exc).__name__}).") from exc
    if response.status_code >= 400:
        raise ListUnavailable(f"{what} answered HTTP {response.status_code}.")
    try:
        return await asyncio.get_running_loop().run_in_executor(
            executor, json.loads, response.content
        )
    except ValueError as exc:
        raise ListUnavailable(f"{what} sent something that is not a model list.") from exc


async def list_hub_models(
    client: httpx2.AsyncClient,
    hub: str,
    *,
    search: str = "",
    pipeline_tag: str,
    inference_provider: str = "all",
    sort: str = "trending",
    limit: int = 30,
    executor: Executor | None = None,
) -> list[Json]:
    """Models with at least one inference provider, for one pipeline tag, best first.

    Asked anonymously: the list is public, and a bad token must not hide it.
    """
    params = _hub_params(
        search=search,
        pipeline_tag=pipeline_tag,
        inference_provider=inference_provider,
        sort=sort,
        limit=limit,
    )
    data = await _get_json(client, f"{hub}/api/models", "Hugging Face", executor, params=params)
    if not isinstance(data, list):
        raise ListUnavailable("Hugging Face sent something that is not a model list.")
    return [m for m in (parse_hub_model(item) for item in data) if m is not None]


async def hub_model(client: httpx2.AsyncClient, hub: str, model_id: str) -> Json | None:
    """One model's record; None when the Hub has no public model of that name."""
    url = f"{hub}/api/models/{quote(model_id, safe='/')}"
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("expand[]", field) for field in HUB_EXPAND
    ]
    try:
        response = await client.get(url, params=params, timeout=LIST_TIMEOUT)
    except httpx2.HTTPError as exc:
        raise ListUnavailable(f"Could not reach Hugging Face ({type(exc).__name__}).") from exc
    if response.status_code in (401, 404):
        return None
    if response.status_code >= 400:
        raise ListUnavailable(f"Hugging Face answered HTTP {response.status_code}.")
    try:
        return parse_hub_model(response.json())
    except ValueError as exc:
        raise ListUnavailable("Hugging Face sent something that is not a model.") from exc


def parse_router_model(item: Any) -> Json | None:
    """One ``/v1/models`` item: vision and the per-provider figures (prices per million)."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return None
    arch = item.get("architecture")
    inputs = arch.get("input_modalities") if isinstance(arch, dict) else None
    providers: list[Json] = []
    for entry in item.get("providers") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("provider"), str):
            continue
        pricing = entry.get("pricing") if isinstance(entry.get("pricing"), dict) else {}
        assert isinstance(pricing, dict)

        def flag(key: str, entry: Json = entry) -> bool | None:
            value = entry.get(key)
            return value if isinstance(value, bool) else None

        providers.append(
            {
                "provider": entry["provider"],
                "status": str(entry.get("status", "live")),
                "context_length": _int(entry.get("context_length")),
                "price_in": _num(pricing.get("input")),
                "price_out": _num(pricing.get("output")),
                "first_token_ms": _num(entry.get("first_token_latency_ms")),
                "throughput": _num(entry.get("throughput")),
                "supports_tools": flag("supports_tools"),
                "is_free": flag("is_free"),
            }
        )
    return {
        "id": item["id"],
        "vision": isinstance(inputs, list) and "image" in inputs,
        "providers": providers,
    }


async def list_router_models(
    client: httpx2.AsyncClient, router: str, executor: Executor | None = None
) -> list[Json]:
    """The router's chat catalogue (no token needed)."""
    data = await _get_json(client, f"{router}/v1/models", "the Hugging Face router", executor)
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ListUnavailable("The Hugging Face router sent something that is not a model list.")
    return [m for m in (parse_router_model(item) for item in items) if m is not None]


async def list_server_models(
    client: httpx2.AsyncClient, api_base: str, name: str, secret: str | None = None
) -> list[str]:
    """Model names an OpenAI-compatible server serves (Ollama, llama.cpp, LM Studio, vLLM).

    ``api_base`` is the server's ``…/v1`` root; the key, if any, goes in the header only.
    """
    headers = {"authorization": f"Bearer {secret}"} if secret else {}
    data = await _get_json(client, f"{api_base.rstrip('/')}/models", name, None, headers=headers)
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ListUnavailable(f"{name} sent something that is not a model list.")
    names: list[str] = []
    for item in items:
        ident = item.get("id") if isinstance(item, dict) else item
        if isinstance(ident, str) and ident and ident not in names:
            names.append(ident)
    return names
