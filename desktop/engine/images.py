"""Text-to-image: one routed request per picture, validated by decoding, kept in the library.

Every picture is its own logical request through :meth:`Engine.run_task` (so with four
pictures, one slow provider delays one picture, not all, and each may fail over on its own);
they run concurrently, bounded by the engine's per-provider limiter. The commit point is bytes
that Pillow decodes (off the event loop): a corrupt or truncated file is a ``bad_response``
and the next provider is tried.

Seeds: when the request has none, one is drawn at random and recorded; picture ``i`` uses
``seed + i``, so any picture can be made again exactly ("reuse settings").

Wire formats per provider (providers.md §4.4): hf-inference raw bytes; fal-ai sync JSON with
an image link; Replicate predictions (polled when not finished at once); together, nscale and
nebius base64 in JSON. Links are fetched without any credential (``media_fetch``).

Changing a picture (image-to-image, §4.6) is the same service with a start picture: it is
read and checked before routing (:mod:`desktop.engine.creative_inputs`), kept in the media
store for the library row, and sent inline (base64 / data URL) as each provider takes it
(:mod:`desktop.providers.image_edit`); fal runs it on its queue, followed within the attempt.
Styles (LoRA) go to the providers that take them; the others are passed over with a reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from desktop.core.classify import Failure
from desktop.core.errors import SwitchboardError
from desktop.core.media_types import (
    ImageRequest,
    LoraChoice,
    MediaFile,
    MediaResult,
    SourceImage,
)
from desktop.core.table import Task
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import FixAction, Status
from desktop.engine.attempts import (
    AttemptScope,
    answer_json,
    first_output,
    run_prediction,
    task_headers,
)
from desktop.engine.creative_inputs import Prepared, prepare, style_params
from desktop.engine.image_decode import DecodedImage, decode_image
from desktop.engine.service_base import StoredTaskService
from desktop.providers import (
    fal,
    fal_queue,
    hf_inference,
    image_edit,
    openai_images,
    replicate,
    wavespeed,
)
from desktop.providers.exchange import AttemptFailed, exchange
from desktop.providers.job_wire import SUCCEEDED, JobTarget
from desktop.providers.media_fetch import IMAGE, MediaLimits, fetch_media
from desktop.providers.mime import suffix_for
from desktop.providers.wavespeed import WaveSpeedJobs

FIRST_RESULT_S = 60.0
"""routing.md §5.12: a picture has a minute before the next provider is tried."""

MAX_COUNT = 8
MAX_SIDE = 4096
SEED_RANGE = 2**31 - 1

AttemptCallback = Callable[[AttemptRecord], None]


@dataclass
class _Made:
    """One validated picture, before it is stored."""

    data: bytes
    info: DecodedImage


@dataclass
class _Shot:
    """How one picture's routed request ended."""

    seed: int
    trace: Trace
    made: _Made | None = None
    provider: str | None = None
    provider_model: str | None = None
    error: str | None = None
    action: FixAction | None = None


def hf_parameters(request: ImageRequest, seed: int) -> dict[str, Any]:
    """The request in the HF client's parameter names (providers.md §4.4), None dropped later."""
    params: dict[str, Any] = {
        "negative_prompt": request.negative_prompt or None,
        "width": request.width,
        "height": request.height,
        "num_inference_steps": request.steps,
        "guidance_scale": request.guidance,
        "seed": seed,
    }
    if request.source_path and request.strength is not None:
        params["strength"] = request.strength
    return params


def check_request(request: ImageRequest) -> str | None:
    """A sentence when the request cannot be sent as it is, else None."""
    if not request.prompt.strip():
        if request.source_path:
            return "Describe the change first: the description is empty."
        return "Describe the picture first: the prompt is empty."
    if request.strength is not None and not 0.0 < request.strength <= 1.0:
        return "The strength must be above 0 and at most 1."
    if not 1 <= request.count <= MAX_COUNT:
        return f"Ask for between 1 and {MAX_COUNT} pictures at a time."
    for side in (request.width, request.height):
        if side is not None and not 64 <= side <= MAX_SIDE:
            return f"Width and height must be between 64 and {MAX_SIDE} pixels."
    return None


def merge_traces(
    model: str, policy: str, traces: list[Trace], task: str = Task.TEXT_TO_IMAGE.value
) -> Trace:
    """One trace for several pictures: candidates of the first, every attempt in order."""
    merged = Trace(model=model, policy=policy, task=task)
    if not traces:
        return merged
    first = traces[0]
    merged.candidates = list(first.candidates)
    merged.request_id = first.request_id
    for trace in traces:
        merged.attempts += trace.attempts
        if merged.answered_by is None and trace.answered_by is not None:
            merged.answered_by, merged.billed_to = trace.answered_by, trace.billed_to
            merged.bill_to = trace.bill_to
    return merged


class ImageService(StoredTaskService):
    """Makes pictures through the engine and keeps them in the media store and library.

    Attributes:
        first_deadline_s: how long one provider may take for a picture before failover.
        poll: how Replicate predictions are polled when not finished at once.
        limits: what a downloaded picture may be (size cap, type, time).
    """

    first_deadline_s: float = FIRST_RESULT_S
    poll: replicate.PollBackoff = replicate.PollBackoff()
    limits: MediaLimits = IMAGE

    async def generate(
        self, request: ImageRequest, *, on_attempt: AttemptCallback | None = None
    ) -> MediaResult:
        """Make ``request.count`` pictures; at least one made means ``complete``.

        Never raises for a routing failure (the result says what happened); cancelling the
        task cancels every picture in flight and saves nothing.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        seed = request.seed if request.seed is not None else random.randrange(SEED_RANGE)
        params: dict[str, Any] = {
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt,
            "width": request.width,
            "height": request.height,
            "steps": request.steps,
            "guidance": request.guidance,
            "seed": seed,
            "count": request.count,
            "provider": request.provider,
        }
        task = request.task
        if request.source_path:
            params["source_path"] = request.source_path
            params["strength"] = request.strength
        if request.loras:
            params["loras"] = style_params(request.loras)
        problem = check_request(request)
        prepared = Prepared()
        if problem is None and (request.source_path or request.loras):
            try:
                prepared = await prepare(
                    self.engine,
                    self.media,
                    self._executor,
                    model=request.model,
                    source_path=request.source_path,
                    loras=request.loras,
                )
            except SwitchboardError as exc:
                problem = str(exc)
            if prepared.source_file:
                params["source_file"] = prepared.source_file
        if problem is not None:
            trace = Trace(model=request.model, policy=request.provider, task=task)
            return MediaResult(
                task=task,
                status=Status.FAILED,
                trace=trace,
                error=problem,
                params=params,
                duration_ms=0.0,
            )
        shots = await asyncio.gather(
            *(
                self._one(request, prepared, (seed + i) % SEED_RANGE, on_attempt)
                for i in range(request.count)
            )
        )
        made = [s for s in shots if s.made is not None]
        files = await self._off_loop(self._store, made)
        trace = merge_traces(request.model, request.provider, [s.trace for s in shots], task)
        result = MediaResult(
            task=task,
            status=Status.COMPLETE if files else Status.FAILED,
            trace=trace,
            files=files,
            params=params,
            duration_ms=(loop.time() - started) * 1000,
        )
        if made:
            result.provider, result.provider_model = made[0].provider, made[0].provider_model
        failed = [s for s in shots if s.made is None]
        if failed:
            first = failed[0]
            if made:
                result.error = (
                    f"{len(failed)} of {len(shots)} pictures could not be made: {first.error}"
                )
            else:
                result.error, result.error_action = first.error, first.action
        await self.engine.costs.settle_media(result)
        result.record_id = await self.db.run(self._save, request, result)
        return result

    # --- one picture ---------------------------------------------------------------------

    async def _one(
        self,
        request: ImageRequest,
        prepared: Prepared,
        seed: int,
        on_attempt: AttemptCallback | None,
    ) -> _Shot:
        trace = Trace(model=request.model, policy=request.provider, task=request.task)
        shot = _Shot(seed=seed, trace=trace)
        params = hf_parameters(request, seed)
        loras = prepared.loras or []

        async def work(scope: AttemptScope) -> _Made:
            if prepared.source is not None:
                return await self._change(scope, prepared.source, request.prompt, params, loras)
            return await self._make(scope, request.prompt, params, loras)

        made = await self._produce(
            Task(request.task),
            request.model,
            request.provider,
            work,
            trace=trace,
            first_deadline_s=self.first_deadline_s,
            on_attempt=on_attempt,
        )
        shot.made, shot.error, shot.action = made.value, made.error, made.action
        shot.provider, shot.provider_model = made.provider, made.provider_model
        return shot

    async def _make(
        self,
        scope: AttemptScope,
        prompt: str,
        params: dict[str, Any],
        loras: list[LoraChoice],
    ) -> _Made:
        cand = scope.ctx.candidate
        provider = cand.provider
        styles = image_edit.lora_fields(provider, loras)  # refuses providers without styles
        if provider == "hf-inference":
            data = await self._hf(scope, prompt, params)
        elif provider == "fal-ai":
            data = await self._fal(scope, prompt, {**params, **styles})
        elif provider == "replicate":
            data = await self._replicate(scope, {"prompt": prompt, **params, **styles})
        elif provider in openai_images.PROVIDERS:
            data = await self._openai_style(scope, prompt, params)
        elif provider == "wavespeed":
            body = wavespeed.build_body(prompt, params, None, loras)
            data = await self._follow_job(scope, WaveSpeedJobs(), body)
        else:
            raise AttemptFailed(Failure(Outcome.REJECTED, "it does not make pictures here"))
        info = await self._off_loop(decode_image, data)
        return _Made(data, info)

    async def _change(
        self,
        scope: AttemptScope,
        source: SourceImage,
        prompt: str,
        params: dict[str, Any],
        loras: list[LoraChoice],
    ) -> _Made:
        """One image-to-image attempt on the candidate's provider (§4.6)."""
        cand = scope.ctx.candidate
        provider = cand.provider
        image_edit.lora_fields(provider, loras)  # refuses providers without styles
        if provider == "hf-inference":
            data = await self._hf_bytes(scope, image_edit.hf_body(source, prompt, params))
        elif provider == "fal-ai":
            data = await self._fal_queue(scope, image_edit.fal_body(source, prompt, params, loras))
        elif provider == "replicate":
            data = await self._replicate(
                scope, image_edit.replicate_input(source, prompt, params, loras)
            )
        elif provider == "together":
            body = image_edit.together_body(source, cand.provider_model, prompt, params)
            data = await self._openai_style_body(scope, body)
        elif provider == "wavespeed":
            body = wavespeed.build_body(prompt, params, source, loras)
            data = await self._follow_job(scope, WaveSpeedJobs(), body)
        else:
            raise AttemptFailed(Failure(Outcome.REJECTED, "it does not change pictures here"))
        info = await self._off_loop(decode_image, data)
        return _Made(data, info)

    def _secrets(self, scope: AttemptScope) -> list[str]:
        return [scope.ctx.candidate.secret or ""]

    async def _hf(self, scope: AttemptScope, prompt: str, params: dict[str, Any]) -> bytes:
        return await self._hf_bytes(scope, hf_inference.t2i_body(prompt, params))

    async def _hf_bytes(self, scope: AttemptScope, body: dict[str, Any]) -> bytes:
        cand = scope.ctx.candidate
        answer = await exchange(
            self.engine.client,
            "POST",
            cand.route(hf_inference.model_route(cand.provider_model)),
            headers=task_headers(cand, accept="image/png"),
            json_body=body,
            secrets=self._secrets(scope),
            max_bytes=self.limits.max_bytes,
        )
        scope.note_response(answer.request_id, answer.served_by)
        return answer.content

    async def _fal_queue(self, scope: AttemptScope, body: dict[str, Any]) -> bytes:
        return await self._follow_job(
            scope, fal_queue.FalQueue(media_of=image_edit.fal_image_url), body
        )

    async def _follow_job(
        self,
        scope: AttemptScope,
        protocol: fal_queue.FalQueue | WaveSpeedJobs,
        body: dict[str, Any],
    ) -> bytes:
        """A provider job (fal's queue, WaveSpeed) within one attempt: once accepted it is
        polled (never submitted again) under the request's total deadline, and cancelled at
        the provider (where it can be) if the attempt ends without it."""
        cand = scope.ctx.candidate
        client = self.engine.client
        headers = task_headers(cand, accept="image/png")
        secrets = tuple(self._secrets(scope))
        target = JobTarget(
            cand.provider, cand.via, cand.base, cand.provider_model, headers, secrets
        )
        ticket = await protocol.submit_body(client, target, body)
        scope.ctx.record.message = f"accepted as job {ticket.provider_job_id}"
        scope.extend_to_total()
        try:
            delays = iter(self.poll.delays())
            while True:
                state = await protocol.poll(client, ticket, headers, secrets)
                if state.status == SUCCEEDED and state.media_url:
                    break
                if state.terminal:
                    raise AttemptFailed(
                        Failure(Outcome.SERVER_ERROR, f"job failed: {state.error or 'no reason'}")
                    )
                await asyncio.sleep(next(delays))
        except (asyncio.CancelledError, AttemptFailed):
            with contextlib.suppress(AttemptFailed):
                await asyncio.shield(protocol.cancel(client, ticket, headers, secrets))
            raise
        return (await fetch_media(client, state.media_url, self.limits)).data

    async def _fal(self, scope: AttemptScope, prompt: str, params: dict[str, Any]) -> bytes:
        cand = scope.ctx.candidate
        answer = await exchange(
            self.engine.client,
            "POST",
            cand.route(fal.route(cand.provider_model)),
            headers=task_headers(cand, accept="image/png"),
            json_body=fal.t2i_body(prompt, params),
            secrets=self._secrets(scope),
        )
        scope.note_response(answer.request_id, answer.served_by)
        url, _ = fal.parse_t2i(answer.json())
        fetched = await fetch_media(self.engine.client, url, self.limits)
        return fetched.data

    async def _openai_style(
        self, scope: AttemptScope, prompt: str, params: dict[str, Any]
    ) -> bytes:
        cand = scope.ctx.candidate
        body = openai_images.body(cand.provider, cand.provider_model, prompt, params)
        return await self._openai_style_body(scope, body)

    async def _openai_style_body(self, scope: AttemptScope, body: dict[str, Any]) -> bytes:
        cand = scope.ctx.candidate
        answer = await exchange(
            self.engine.client,
            "POST",
            cand.route(openai_images.ROUTE),
            headers=task_headers(cand, accept="image/png"),
            json_body=body,
            secrets=self._secrets(scope),
        )
        scope.note_response(answer.request_id, answer.served_by)
        data, url = openai_images.parse(await answer_json(answer, self._executor))
        if data is not None:
            return data
        assert url is not None
        return (await fetch_media(self.engine.client, url, self.limits)).data

    async def _replicate(self, scope: AttemptScope, model_input: dict[str, Any]) -> bytes:
        cand = scope.ctx.candidate
        headers = task_headers(cand, accept="image/png")
        secrets = self._secrets(scope)
        client = self.engine.client
        prediction = await run_prediction(
            scope, client, model_input, headers=headers, secrets=secrets, backoff=self.poll
        )
        return (await first_output(client, prediction, self.limits, "image")).data

    # --- keeping ---------------------------------------------------------------------------

    def _store(self, shots: list[_Shot]) -> list[MediaFile]:
        """Blocking (hashing, file writes): runs in the executor."""
        files = []
        for shot in shots:
            assert shot.made is not None
            info = shot.made.info
            path = self.media.put(shot.made.data, suffix_for(info.mime))
            files.append(
                MediaFile(
                    path=str(path),
                    mime=info.mime,
                    width=info.width,
                    height=info.height,
                    seed=shot.seed,
                    provider=shot.provider,
                )
            )
        return files

    def _save(self, request: ImageRequest, result: MediaResult) -> int:
        return self.history.add_generation(
            task=request.task,
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            model=request.model,
            provider=result.provider,
            provider_model=result.provider_model,
            status=result.status,
            params=result.params,
            files=[asdict(f) for f in result.files],
            trace=result.trace.to_dict(),
            error=result.error,
            duration_ms=result.duration_ms,
        )
