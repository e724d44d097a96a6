"""hf-inference (HF's own serverless inference, router only): the task API of providers.md
§4.3, §4.4 and §4.7.

* text-to-image: ``POST /models/{id}`` ``{"inputs": prompt, "parameters": {...}}`` with
  ``Accept: image/png``; the answer is the raw image (JPEG in the recordings).
* speech-to-text: ``POST /models/{id}`` with the audio file as the body and its MIME type as
  ``content-type`` → ``{"text", "chunks"?}``.
* embeddings: ``POST /models/{id}/pipeline/feature-extraction`` ``{"inputs": [texts]}`` →
  nested float lists (sentence level ``[[…]]``; token level ``[[[…]]]`` is mean-pooled).

Pure request building and parsing; the engine sends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from desktop.providers.exchange import bad_response


def model_route(provider_model: str) -> str:
    """``/models/{id}``: text-to-image and speech-to-text."""
    return f"/models/{provider_model}"


def feature_extraction_route(provider_model: str) -> str:
    """``/models/{id}/pipeline/feature-extraction`` (the pre-May-2025 route is gone, §8 #6)."""
    return f"/models/{provider_model}/pipeline/feature-extraction"


def t2i_body(prompt: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"inputs", "parameters"}`` with HF's parameter names, None values dropped."""
    return {"inputs": prompt, "parameters": {k: v for k, v in params.items() if v is not None}}


def asr_headers(headers: Mapping[str, str], mime: str) -> dict[str, str]:
    """The candidate's headers with the audio file's type as ``content-type``."""
    return {**headers, "content-type": mime}


def embeddings_body(texts: Sequence[str]) -> dict[str, Any]:
    """``{"inputs": [texts]}``: one request for the whole batch."""
    return {"inputs": list(texts)}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _vector(value: Any) -> list[float] | None:
    if isinstance(value, list) and value and all(_is_number(x) for x in value):
        return [float(x) for x in value]
    return None


def _mean_pool(tokens: Any) -> list[float] | None:
    """Token vectors (``[[…], […]]``) → their mean; None if they are not equal-length vectors."""
    if not isinstance(tokens, list) or not tokens:
        return None
    rows = [_vector(row) for row in tokens]
    if any(row is None for row in rows):
        return None
    vectors = [row for row in rows if row is not None]
    width = len(vectors[0])
    if any(len(row) != width for row in vectors):
        return None
    return [sum(col) / len(vectors) for col in zip(*vectors, strict=True)]


def _one_vector(item: Any, depth: int = 0) -> list[float] | None:
    """One text's vector: sentence level, token level (mean-pooled), or either wrapped in a
    batch of one (``[1, tokens, dim]``: HF Inference answers ``[n, 1, tokens, dim]`` for some
    models when given several texts)."""
    vector = _vector(item)
    if vector is None:
        vector = _mean_pool(item)
    if vector is None and depth < 2 and isinstance(item, list) and len(item) == 1:
        vector = _one_vector(item[0], depth + 1)
    return vector


def parse_embeddings(data: Any, count: int) -> list[list[float]]:
    """One vector per text from feature-extraction's nested lists (validated by the caller)."""
    if count == 1:
        flat = _vector(data)
        if flat is not None:
            return [flat]
    if not isinstance(data, list):
        raise bad_response("the answer was not a list of vectors")
    out: list[list[float]] = []
    for item in data:
        vector = _one_vector(item)
        if vector is None:
            raise bad_response("the answer held something other than number vectors")
        out.append(vector)
    return out
