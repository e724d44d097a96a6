"""The emulated Hub (model info + provider mapping) and the router's ``/v1/models`` catalogue.

Both are views of the same registered models, so a test that adds a model sees it in the
mapping lookup (providers.md §3.1), the catalogue listing and the router's model list (§2.5)
at once. Mapping entries may carry router-only keys (``context_length``, ``pricing``,
``first_token_latency_ms``, ``throughput`` …); those never appear in the Hub's mapping, only in
``/v1/models``, and default to :data:`PROVIDER_STATS` per provider.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from aiohttp import web

from .faults import early, send_json
from .state import ModelEntry, State
from .wire import credential, hf_headers, json_response

HUB_MAPPING_KEYS = (
    "status",
    "providerId",
    "task",
    "adapter",
    "adapterWeightsPath",
    "type",
    "isModelAuthor",
)
"""Keys of a mapping entry the Hub returns, in the Hub's order."""

ROUTER_STAT_KEYS = (
    "context_length",
    "pricing",
    "is_free",
    "supports_tools",
    "supports_structured_output",
    "first_token_latency_ms",
    "throughput",
    "is_model_author",
)
"""Keys of a ``/v1/models`` provider entry besides ``provider`` and ``status``."""

PROVIDER_STATS: dict[str, dict[str, Any]] = {
    "groq": {
        "context_length": 131072,
        "pricing": {"input": 0.05, "output": 0.08},
        "first_token_latency_ms": 180,
        "throughput": 750.0,
    },
    "cerebras": {
        "context_length": 32768,
        "pricing": {"input": 0.1, "output": 0.1},
        "first_token_latency_ms": 120,
        "throughput": 2100.0,
    },
    "together": {
        "context_length": 131072,
        "pricing": {"input": 0.18, "output": 0.18},
        "first_token_latency_ms": 420,
        "throughput": 160.0,
    },
    "fireworks-ai": {
        "context_length": 131072,
        "pricing": {"input": 0.2, "output": 0.2},
        "first_token_latency_ms": 380,
        "throughput": 190.0,
    },
    "novita": {
        "context_length": 16384,
        "pricing": {"input": 0.02, "output": 0.05},
        "first_token_latency_ms": 900,
        "throughput": 70.0,
    },
    "nscale": {
        "context_length": 131072,
        "pricing": {"input": 0.03, "output": 0.06},
        "first_token_latency_ms": 650,
        "throughput": 85.0,
    },
    "featherless-ai": {"context_length": 16384},
    "cohere": {
        "context_length": 128000,
        "pricing": {"input": 0.0375, "output": 0.15},
        "first_token_latency_ms": 300,
        "throughput": 120.0,
    },
    "hf-inference": {"context_length": 8192},
    "sambanova": {
        "context_length": 16384,
        "pricing": {"input": 0.1, "output": 0.2},
        "first_token_latency_ms": 200,
        "throughput": 900.0,
    },
    "nebius": {
        "context_length": 131072,
        "pricing": {"input": 0.02, "output": 0.06},
        "first_token_latency_ms": 500,
        "throughput": 110.0,
    },
    "hyperbolic": {
        "context_length": 131072,
        "pricing": {"input": 0.1, "output": 0.1},
        "first_token_latency_ms": 600,
        "throughput": 90.0,
    },
}
"""Deterministic defaults: for the 8B Llama, ``:fastest`` is cerebras, ``:cheapest`` novita.

Featherless and hf-inference carry no pricing or speed, as in the real list (§2.5)."""

LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct"
QWEN_VL = "Qwen/Qwen2.5-VL-7B-Instruct"
MISTRAL_7B = "mistralai/Mistral-7B-Instruct-v0.3"
FLUX_DEV = "black-forest-labs/FLUX.1-dev"


def _chat(provider_id: str, status: str = "live") -> dict[str, Any]:
    return {"providerId": provider_id, "task": "conversational", "status": status}


SEED_MODELS: list[tuple[str, dict[str, dict[str, Any]], str]] = [
    (
        LLAMA_8B,
        {
            "groq": _chat("llama-3.1-8b-instant"),
            "together": _chat("meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo"),
            "cerebras": _chat("llama3.1-8b"),
            "fireworks-ai": _chat("accounts/fireworks/models/llama-v3p1-8b-instruct"),
            "novita": _chat("meta-llama/llama-3.1-8b-instruct"),
            "nscale": _chat("meta-llama/Llama-3.1-8B-Instruct"),
            "featherless-ai": _chat("meta-llama/Meta-Llama-3.1-8B-Instruct"),
            "cohere": _chat("meta-llama/Llama-3.1-8B-Instruct"),
            "hf-inference": _chat("meta-llama/Llama-3.1-8B-Instruct"),
            "sambanova": _chat("Meta-Llama-3.1-8B-Instruct"),
            "nebius": _chat("meta-llama/Meta-Llama-3.1-8B-Instruct-fast"),
            "hyperbolic": _chat("meta-llama/Meta-Llama-3.1-8B-Instruct"),
        },
        "text-generation",
    ),
    (
        QWEN_VL,
        {
            "novita": _chat("qwen/qwen2.5-vl-7b-instruct"),
            "hyperbolic": _chat("Qwen/Qwen2.5-VL-7B-Instruct"),
            "nebius": _chat("Qwen/Qwen2.5-VL-7B-Instruct"),
        },
        "image-text-to-text",
    ),
    (
        MISTRAL_7B,
        {
            "together": _chat("mistralai/Mistral-7B-Instruct-v0.3", status="error"),
            "novita": _chat("mistralai/mistral-7b-instruct"),
            "featherless-ai": _chat("mistralai/Mistral-7B-Instruct-v0.3"),
        },
        "text-generation",
    ),
    (
        FLUX_DEV,
        {
            "fal-ai": {"status": "live", "providerId": "fal-ai/flux/dev", "task": "text-to-image"},
            "replicate": {
                "status": "live",
                "providerId": "black-forest-labs/flux-dev",
                "task": "text-to-image",
            },
            "together": {
                "status": "live",
                "providerId": "black-forest-labs/FLUX.1-dev",
                "task": "text-to-image",
            },
            "hf-inference": {
                "status": "live",
                "providerId": "black-forest-labs/FLUX.1-dev",
                "task": "text-to-image",
            },
            "nebius": {
                "status": "staging",
                "providerId": "black-forest-labs/flux-dev",
                "task": "text-to-image",
            },
        },
        "text-to-image",
    ),
]
"""Default models: a 12-provider chat LLM, a VLM, one with an ``error`` entry first (so
auto must skip it), and a non-chat model with a ``staging`` entry (from §3.1)."""


SEED_META: dict[str, dict[str, Any]] = {
    LLAMA_8B: {
        "likes": 4800,
        "downloads": 6_000_000,
        "trendingScore": 35,
        "createdAt": "2024-07-18T08:56:00.000Z",
        "cardData": {"license": "llama3.1"},
    },
    QWEN_VL: {
        "likes": 1100,
        "downloads": 3_500_000,
        "trendingScore": 60,
        "createdAt": "2025-01-26T09:26:00.000Z",
    },
    MISTRAL_7B: {
        "likes": 2000,
        "downloads": 900_000,
        "trendingScore": 12,
        "createdAt": "2024-05-22T09:57:00.000Z",
    },
    FLUX_DEV: {
        "likes": 11000,
        "downloads": 1_500_000,
        "trendingScore": 80,
        "createdAt": "2024-07-31T21:13:00.000Z",
    },
}
"""Popularity of the seeded models: distinct values so every sort order is different."""

LIST_EXPANDABLE = ("pipeline_tag", "tags", "likes", "downloads", "trendingScore", "createdAt")
"""Fields ``/api/models`` returns when asked for with ``expand[]`` (``cardData`` when set)."""

LIST_DEFAULT = ("pipeline_tag", "tags", "likes", "downloads", "createdAt")
"""Fields of a list item when no ``expand`` is given."""

SORT_FIELDS = {"likes": "likes", "downloads": "downloads", "trendingScore": "trendingScore"}


def seed(state: State) -> None:
    for hf_id, mapping, pipeline_tag in SEED_MODELS:
        tags = (
            [pipeline_tag, "conversational"]
            if pipeline_tag != "text-to-image"
            else [pipeline_tag, "diffusers"]
        )
        state.add_model(
            hf_id, mapping, pipeline_tag=pipeline_tag, tags=tags, meta=SEED_META.get(hf_id)
        )


def object_id(hf_id: str) -> str:
    """A stable 24-hex ``_id`` (the Hub's Mongo id)."""
    return hashlib.sha1(hf_id.encode()).hexdigest()[:24]


def hub_entry(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry[key] for key in HUB_MAPPING_KEYS if key in entry}


def mapping_dict(model: ModelEntry) -> dict[str, dict[str, Any]]:
    """``model_info`` form: keyed by provider, insertion order = preference order."""
    return {provider: hub_entry(e) for provider, e in model.mapping.items()}


def mapping_list(model: ModelEntry) -> list[dict[str, Any]]:
    """``list_models`` form: ``[{provider, providerId, status, task}, …]``."""
    return [{"provider": provider, **hub_entry(e)} for provider, e in model.mapping.items()]


def router_providers(model: ModelEntry, routed: set[str]) -> list[dict[str, Any]]:
    """The ``providers`` of one ``/v1/models`` entry: routed chat providers, live or error."""
    out: list[dict[str, Any]] = []
    for provider, entry in model.mapping.items():
        if (
            provider not in routed
            or entry.get("task") != "conversational"
            or entry.get("status") not in ("live", "error")
        ):
            continue
        stats = {
            **PROVIDER_STATS.get(provider, {}),
            **{k: entry[k] for k in ROUTER_STAT_KEYS if k in entry},
        }
        stats.setdefault("is_model_author", False)
        out.append({"provider": provider, "status": entry["status"], **stats})
    return out


def _expands(request: web.Request) -> list[str]:
    return request.query.getall("expand", []) + request.query.getall("expand[]", [])


def model_fields(model: ModelEntry, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The Hub fields ``names`` of one model (missing popularity reads as 0, as on the Hub)."""
    out: dict[str, Any] = {}
    for name in names:
        if name == "pipeline_tag":
            out[name] = model.pipeline_tag
        elif name == "tags":
            out[name] = model.tags
        elif name in ("likes", "downloads", "trendingScore"):
            out[name] = model.meta.get(name, 0)
        elif name in model.meta:
            out[name] = model.meta[name]
    return out


class HubRoutes:
    """``/hub/api/models…`` and ``/router/v1/models…``."""

    def __init__(self, state: State, stop: asyncio.Event) -> None:
        self.state = state
        self.stop = stop

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/hub/api/models", self.list_models)
        app.router.add_get("/hub/api/models/{model_id:.+}", self.model_info)
        app.router.add_get("/router/v1/models", self.router_models)
        app.router.add_get("/router/v1/models/{model_id:.+}", self.router_model)
        app.router.add_get("/custom/v1/models", self.custom_models)
        app.router.add_get("/hub/api/whoami-v2", self.whoami)

    async def whoami(self, request: web.Request) -> web.StreamResponse:
        """Who a token belongs to; a token from ``limit_token`` lacks the inference right."""
        headers = hf_headers(request)
        token = credential(request, "Bearer")
        if token is None or self.state.check_router_token(token) is not None:
            message = "Invalid credentials in Authorization header"
            return json_response(401, {"error": message}, {**headers, "X-Error-Message": message})
        granted = [] if self.state.token_is_limited(token) else ["inference.serverless.write"]
        access = {"displayName": "switchboard", "role": "fineGrained"}
        access["fineGrained"] = {"global": granted, "scoped": []}  # type: ignore[assignment]
        body = {"type": "user", "name": "emulated-user", "auth": {"accessToken": access}}
        return json_response(200, body, headers)

    def _hub_auth(self, request: web.Request, headers: dict[str, str]) -> web.Response | None:
        if "Authorization" not in request.headers:
            return None
        if self.state.check_hub_token(credential(request, "Bearer") or "") is None:
            return None
        message = "Invalid credentials in Authorization header"
        return json_response(401, {"error": message}, {**headers, "X-Error-Message": message})

    async def model_info(self, request: web.Request) -> web.StreamResponse:
        headers = hf_headers(request)
        denied = self._hub_auth(request, headers)
        if denied is not None:
            return denied
        hf_id = request.match_info["model_id"]
        fault = self.state.take_fault("hub")
        faulty = await early(request, self.stop, fault, hf_id, headers)
        if faulty is not None:
            return faulty
        model = self.state.model(hf_id)
        if model is None:
            return json_response(
                404,
                {"error": "Repository not found"},
                {
                    **headers,
                    "X-Error-Code": "RepoNotFound",
                    "X-Error-Message": "Repository not found",
                },
            )
        body: dict[str, Any] = {"_id": object_id(hf_id), "id": hf_id}
        expand = _expands(request)
        if expand:
            # As on the Hub: with expand, only the fields asked for (and the ids).
            body.update(model_fields(model, expand))
            if "inferenceProviderMapping" in expand:
                body["inferenceProviderMapping"] = mapping_dict(model)
        else:
            body.update(
                {
                    "modelId": hf_id,
                    "private": False,
                    "pipeline_tag": model.pipeline_tag,
                    "tags": model.tags,
                }
            )
            # The full answer also carries the card's metadata and the repo's files.
            for name in ("cardData", "siblings", "downloads"):
                if name in model.meta:
                    body[name] = model.meta[name]
        return await send_json(request, self.stop, body, headers, fault)

    async def list_models(self, request: web.Request) -> web.StreamResponse:
        headers = hf_headers(request)
        denied = self._hub_auth(request, headers)
        if denied is not None:
            return denied
        fault = self.state.take_fault("hub")
        faulty = await early(request, self.stop, fault, None, headers)
        if faulty is not None:
            return faulty
        query = request.query
        provider = query.get("inference_provider")
        wanted = set(provider.split(",")) if provider and provider != "all" else set()
        pipeline_tag = query.get("pipeline_tag")
        search = (query.get("search") or "").lower()
        tag_filters = [t for f in query.getall("filter", []) for t in f.split(",") if t]
        limit = int(query["limit"]) if query.get("limit", "").isdigit() else None
        expand = _expands(request)
        sort = SORT_FIELDS.get(query.get("sort", ""))
        models = self.state.models()
        if sort is not None:
            # Descending unless direction=1, ties kept in registration order (stable sort).
            ascending = query.get("direction") == "1"
            models.sort(key=lambda m: m.meta.get(sort, 0), reverse=not ascending)
        out: list[dict[str, Any]] = []
        for model in models:
            live = [p for p, e in model.mapping.items() if e.get("status") == "live"]
            if provider == "all" and not live:
                continue
            if wanted and not wanted & set(live):
                continue
            if pipeline_tag and model.pipeline_tag != pipeline_tag:
                continue
            if search and search not in model.hf_id.lower():
                continue
            if any(t not in model.tags and t != model.pipeline_tag for t in tag_filters):
                continue
            item: dict[str, Any] = {"_id": object_id(model.hf_id), "id": model.hf_id}
            fields = [f for f in expand if f in (*LIST_EXPANDABLE, "cardData")] or LIST_DEFAULT
            item.update(model_fields(model, ("pipeline_tag", "tags", *fields)))
            if "inferenceProviderMapping" in expand:
                item["inferenceProviderMapping"] = mapping_list(model)
            out.append(item)
        if limit is not None:
            out = out[:limit]
        return await send_json(request, self.stop, out, headers, fault)

    async def custom_models(self, request: web.Request) -> web.StreamResponse:
        """A local OpenAI-compatible server's list (Ollama, llama.cpp, LM Studio, vLLM)."""
        fault = self.state.take_fault("custom")
        faulty = await early(request, self.stop, fault, None, {})
        if faulty is not None:
            return faulty
        data = [
            {"id": name, "object": "model", "created": 1_726_000_000, "owned_by": "library"}
            for name in self.state.custom_models
        ]
        return await send_json(request, self.stop, {"object": "list", "data": data}, {}, fault)

    def _model_object(self, model: ModelEntry) -> dict[str, Any] | None:
        providers = router_providers(model, self.state.routed_providers)
        if not providers:
            return None
        vision = model.pipeline_tag == "image-text-to-text"
        return {
            "id": model.hf_id,
            "object": "model",
            "created": 1_726_000_000,
            "owned_by": model.hf_id.split("/")[0],
            "architecture": {
                "input_modalities": ["text", "image"] if vision else ["text"],
                "output_modalities": ["text"],
            },
            "providers": providers,
        }

    async def router_models(self, request: web.Request) -> web.StreamResponse:
        headers = hf_headers(request)
        fault = self.state.take_fault("models")
        faulty = await early(request, self.stop, fault, None, headers)
        if faulty is not None:
            return faulty
        data = [obj for m in self.state.models() if (obj := self._model_object(m)) is not None]
        return await send_json(request, self.stop, {"object": "list", "data": data}, headers, fault)

    async def router_model(self, request: web.Request) -> web.StreamResponse:
        headers = hf_headers(request)
        fault = self.state.take_fault("models")
        hf_id = request.match_info["model_id"]
        faulty = await early(request, self.stop, fault, hf_id, headers)
        if faulty is not None:
            return faulty
        model = self.state.model(hf_id)
        obj = None if model is None else self._model_object(model)
        if obj is None:
            return json_response(404, {"error": f"Model {hf_id} not found"}, headers)
        return await send_json(request, self.stop, obj, headers, fault)
