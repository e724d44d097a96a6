"""Embeddings: one routed request for a list of texts, validated, kept as an ``.npy`` file.

providers.md §4.3: hf-inference's ``/pipeline/feature-extraction`` or the OpenAI-compatible
``/v1/embeddings`` (nebius, sambanova, together, custom servers). The commit point is one
finite vector per text, all of one length (routing.md §5.4): a provider that answers with the
wrong count or ragged vectors is a ``bad_response`` and the next one is tried. The deadline
is 10 s (§5.12).

The vectors go to the media store as float32 ``.npy`` (never a blob in the database), the
texts to the library row, so the map and the neighbours can be shown again offline.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from pathlib import Path

from desktop.core.classify import Failure
from desktop.core.media_types import EmbedRequest, MediaFile, MediaResult
from desktop.core.table import Task
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import Status
from desktop.engine.attempts import (
    AttemptScope,
    answer_json,
    task_headers,
)
from desktop.engine.service_base import StoredTaskService
from desktop.engine.vector_export import npy_bytes, read_npy
from desktop.engine.vectors import check_vectors
from desktop.providers import hf_inference, openai_embeddings
from desktop.providers.exchange import AttemptFailed, bad_response, exchange

FIRST_RESULT_S = 10.0
MAX_TEXTS = 2048
MAX_TEXT_CHARS = 32_000

AttemptCallback = Callable[[AttemptRecord], None]


def check_texts(texts: list[str]) -> str | None:
    """A sentence when the texts cannot be sent as they are, else None."""
    if not texts:
        return "Add at least one text to embed."
    if len(texts) > MAX_TEXTS:
        return f"Embed at most {MAX_TEXTS} texts at a time."
    if any(not isinstance(x, str) or not x.strip() for x in texts):
        return "Every text needs some words; remove the empty ones."
    if any(len(x) > MAX_TEXT_CHARS for x in texts):
        return f"A text is longer than {MAX_TEXT_CHARS} characters; shorten it."
    return None


def validate(vectors: list[list[float]], count: int) -> list[list[float]]:
    """The commit check: ``count`` vectors of one length, or :class:`AttemptFailed`."""
    try:
        check_vectors(vectors, count)
    except ValueError as exc:
        raise bad_response(f"the embeddings do not fit the texts ({exc})") from exc
    return vectors


def load_vectors(path: str | Path) -> list[list[float]]:
    """Blocking: the vectors of a library row (its ``vectors_path``)."""
    return read_npy(Path(path).read_bytes())


class EmbedService(StoredTaskService):
    """Computes embeddings through the engine and keeps them in the library.

    Attributes:
        first_deadline_s: how long one provider may take before failover.
    """

    first_deadline_s: float = FIRST_RESULT_S

    async def embed(
        self, request: EmbedRequest, *, on_attempt: AttemptCallback | None = None
    ) -> MediaResult:
        """One vector per text; never raises for bad input or a routing failure."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        texts = list(request.texts)
        trace = Trace(model=request.model, policy=request.provider, task=Task.EMBEDDINGS.value)
        params: dict[str, object] = {"texts": texts, "provider": request.provider}
        result = MediaResult(
            task=Task.EMBEDDINGS.value, status=Status.FAILED, trace=trace, params=params
        )
        problem = check_texts(texts)
        if problem is not None:
            result.error, result.duration_ms = problem, 0.0
            return result

        made = await self._produce(
            Task.EMBEDDINGS,
            request.model,
            request.provider,
            lambda scope: self._vectors(scope, texts),
            trace=trace,
            first_deadline_s=self.first_deadline_s,
            on_attempt=on_attempt,
        )
        vectors_path = None
        if made.value is None:
            result.error, result.error_action = made.error, made.action
        else:
            result.status = Status.COMPLETE
            result.vectors = made.value
            result.provider, result.provider_model = made.provider, made.provider_model
            params["dimensions"] = len(made.value[0])
            stored = await self._off_loop(self._store, made.value)
            vectors_path = str(stored)
            result.files = [MediaFile(path=vectors_path, mime="application/x-npy")]
        result.duration_ms = (loop.time() - started) * 1000
        await self.engine.costs.settle_media(result)
        save = functools.partial(
            self.history.add_generation,
            Task.EMBEDDINGS.value,
            prompt="\n".join(texts),
            model=request.model,
            provider=result.provider,
            provider_model=result.provider_model,
            status=result.status,
            params=params,
            vectors_path=vectors_path,
            trace=trace.to_dict(),
            error=result.error,
            duration_ms=result.duration_ms,
        )
        # The texts may be long: JSON and SQLite work happen on the database worker.
        result.record_id = await self.db.run(save)
        return result

    def _store(self, vectors: list[list[float]]) -> Path:
        return self.media.put(npy_bytes(vectors), ".npy")

    async def _vectors(self, scope: AttemptScope, texts: list[str]) -> list[list[float]]:
        cand = scope.ctx.candidate
        if cand.provider == "hf-inference":
            answer = await exchange(
                self.engine.client,
                "POST",
                cand.route(hf_inference.feature_extraction_route(cand.provider_model)),
                headers=task_headers(cand),
                json_body=hf_inference.embeddings_body(texts),
                secrets=[cand.secret or ""],
            )
            scope.note_response(answer.request_id, answer.served_by)
            data = await answer_json(answer, self._executor)
            vectors = hf_inference.parse_embeddings(data, len(texts))
        elif cand.via == "custom" or cand.provider in openai_embeddings.PROVIDERS:
            answer = await exchange(
                self.engine.client,
                "POST",
                cand.route(openai_embeddings.route(cand.via, cand.provider)),
                headers=task_headers(cand),
                json_body=openai_embeddings.body(texts, cand.provider_model),
                secrets=[cand.secret or ""],
            )
            scope.note_response(answer.request_id, answer.served_by)
            vectors = openai_embeddings.parse(await answer_json(answer, self._executor))
        else:
            raise AttemptFailed(Failure(Outcome.REJECTED, "it does not compute embeddings here"))
        return validate(vectors, len(texts))
