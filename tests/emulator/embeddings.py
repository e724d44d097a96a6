"""Embeddings: hf-inference feature extraction and the OpenAI-compatible ``/v1/embeddings``.

* ``POST /router/hf-inference/models/{id}/pipeline/feature-extraction`` ``{"inputs": …}``
  → ``[[…], …]`` (a string input gives one flat vector, like the real pipeline);
* ``POST /{router|direct}/{together|nebius|sambanova}/v1/embeddings`` ``{"input", "model"}``
  → ``{"data": [{"embedding", "index"}]}`` — items come back in *reverse* order with their
  ``index``, which the OpenAI format allows, so clients must sort;
* ``POST /custom/v1/embeddings``: a local OpenAI-compatible server (no key, any model).

Vectors are deterministic bag-of-words hashes, L2-normalised, so texts sharing words are
similar (the heat map and the 2-D map show something sensible). The dimension belongs to the
HF model (:data:`DIMENSIONS`). Fault ``bad_vectors`` (``mode="count"`` drops the last vector,
``"ragged"`` shortens it) tests the commit-point validation.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

from aiohttp import web

from .faults import Fault, early, send_json
from .task_common import TaskRoutes
from .wire import RECORD, json_response

DIMENSIONS = {
    "BAAI/bge-small-en-v1.5": 384,
    "intfloat/multilingual-e5-large": 1024,
}
DEFAULT_DIMENSIONS = 384
OPENAI_STYLE = ("together", "nebius", "sambanova", "scaleway", "deepinfra")
ROUTES = {"deepinfra": "/v1/openai/embeddings"}
"""Where each OpenAI-style provider takes embeddings (``/v1/embeddings`` unless listed)."""


def embed_text(text: str, dims: int) -> list[float]:
    """A unit vector: each word adds ±1 at a hashed position."""
    vector = [0.0] * dims
    for word in re.findall(r"\w+", text.lower()) or [text]:
        digest = hashlib.sha256(word.encode()).digest()
        index = int.from_bytes(digest[:4], "little") % dims
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    length = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [round(x / length, 6) for x in vector]


def spoil(vectors: list[list[float]], fault: Fault | None) -> list[list[float]]:
    if fault is None or fault.kind != "bad_vectors" or not vectors:
        return vectors
    if fault.params.get("mode", "count") == "ragged":
        return [*vectors[:-1], vectors[-1][:-1]]
    return vectors[:-1]


class EmbeddingRoutes(TaskRoutes):
    def add_to(self, app: web.Application) -> None:
        app.router.add_post(
            "/router/hf-inference/models/{model:.+}/pipeline/feature-extraction",
            self.feature_extraction,
        )
        for provider in OPENAI_STYLE:
            handler = self._openai(provider)
            route = ROUTES.get(provider, "/v1/embeddings")
            app.router.add_post(f"/router/{provider}{route}", handler)
            app.router.add_post(f"/direct/{provider}{route}", handler)
        app.router.add_post("/custom/v1/embeddings", self._openai("custom"))

    def _dims(self, provider: str, model: str) -> int:
        served = self.served(provider, model, "feature-extraction")
        hf_id = served.hf_id if served is not None else model
        return DIMENSIONS.get(hf_id, DEFAULT_DIMENSIONS)

    async def feature_extraction(self, request: web.Request) -> web.StreamResponse:
        gate = self.gate(request, "hf-inference")
        if gate.denied is not None:
            return gate.denied
        model = request.match_info["model"]
        if self.served("hf-inference", model, "feature-extraction") is None:
            return json_response(404, {"error": f"Model {model} does not exist"}, gate.headers)
        body = request[RECORD].json
        inputs = body.get("inputs") if isinstance(body, dict) else None
        texts = [inputs] if isinstance(inputs, str) else inputs
        if not isinstance(texts, list) or not all(isinstance(x, str) for x in texts):
            return json_response(
                400, {"error": "Input should be a valid string or list"}, gate.headers
            )
        fault = self.state.take_fault("hf-inference")
        faulty = await early(request, self.stop, fault, model, gate.headers)
        if faulty is not None:
            return faulty
        dims = self._dims("hf-inference", model)
        vectors = spoil([embed_text(x, dims) for x in texts], fault)
        answer: Any = vectors[0] if isinstance(inputs, str) and vectors else vectors
        return await send_json(request, self.stop, answer, gate.headers, fault)

    def _openai(self, provider: str) -> Any:
        async def embeddings(request: web.Request) -> web.StreamResponse:
            if provider == "custom":
                headers: dict[str, str] = {}
            else:
                gate = self.gate(request, provider)
                if gate.denied is not None:
                    return gate.denied
                headers = gate.headers
            body = request[RECORD].json
            model = body.get("model") if isinstance(body, dict) else None
            inputs = body.get("input") if isinstance(body, dict) else None
            texts = [inputs] if isinstance(inputs, str) else inputs
            if not isinstance(model, str) or not model:
                return json_response(
                    400,
                    {
                        "error": {
                            "message": "you must provide a model parameter",
                            "type": "invalid_request_error",
                            "param": "model",
                            "code": None,
                        }
                    },
                    headers,
                )
            if (
                not isinstance(texts, list)
                or not texts
                or not all(isinstance(x, str) for x in texts)
            ):
                return json_response(
                    400,
                    {
                        "error": {
                            "message": "'input' must be a string or a list of strings",
                            "type": "invalid_request_error",
                            "param": "input",
                            "code": None,
                        }
                    },
                    headers,
                )
            if (
                request.path.startswith("/router/")
                and self.served(provider, model, "feature-extraction") is None
            ):
                return self.not_supported(provider, headers)
            fault = self.state.take_fault(provider)
            faulty = await early(request, self.stop, fault, model, headers)
            if faulty is not None:
                return faulty
            dims = self._dims(provider, model)
            vectors = spoil([embed_text(x, dims) for x in texts], fault)
            data = [
                {"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)
            ]
            answer = {
                "object": "list",
                "model": model,
                "data": list(reversed(data)),
                "usage": {
                    "prompt_tokens": sum(len(x.split()) for x in texts),
                    "total_tokens": sum(len(x.split()) for x in texts),
                },
            }
            return await send_json(request, self.stop, answer, headers, fault)

        return embeddings
