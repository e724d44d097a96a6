"""OpenAI-compatible embeddings: ``POST /v1/embeddings`` ``{"input": [texts], "model"}``.

Served by nebius and sambanova (direct), together, scaleway and deepinfra (router or direct;
DeepInfra under its ``/v1/openai`` prefix) and any custom server
(Ollama, llama.cpp, vLLM, LM Studio …; their ``Candidate.base`` already ends in ``/v1``, so
the route is ``/embeddings`` there). The answer's ``data`` items carry an ``index``; servers
are not obliged to keep the order, so vectors are sorted by it (providers.md §4.3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from desktop.providers.exchange import bad_response

ROUTE = "/v1/embeddings"
CUSTOM_ROUTE = "/embeddings"
ROUTES: dict[str, str] = {"deepinfra": "/v1/openai/embeddings"}
"""Providers whose OpenAI-compatible API lives under another prefix (providers.md §2.2)."""

PROVIDERS = frozenset({"nebius", "sambanova", "together", "scaleway", "deepinfra"})
"""Table providers that answer this wire format for embeddings."""


def route(via: str, provider: str = "") -> str:
    """``/embeddings`` on a custom server's ``…/v1`` base, the provider's own route (DeepInfra),
    ``/v1/embeddings`` elsewhere."""
    if via == "custom":
        return CUSTOM_ROUTE
    return ROUTES.get(provider, ROUTE)


def body(texts: Sequence[str], provider_model: str) -> dict[str, Any]:
    return {"input": list(texts), "model": provider_model}


def parse(data: Any) -> list[list[float]]:
    """Vectors in input order (by ``index`` when every item has one)."""
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise bad_response("the answer had no embeddings")
    rows: list[tuple[int, list[float]]] = []
    for position, item in enumerate(items):
        vector = item.get("embedding") if isinstance(item, dict) else None
        if (
            not isinstance(vector, list)
            or not vector
            or not all(
                isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
                for x in vector
            )
        ):
            raise bad_response("an embedding was not a list of numbers")
        index = item.get("index")
        rows.append((index if isinstance(index, int) else position, [float(x) for x in vector]))
    rows.sort(key=lambda row: row[0])
    return [vector for _, vector in rows]
