"""Read aloud (text-to-speech): text in, one audio file out, routed with failover, kept.

The text is checked before anything is sent (empty, or longer than the model reads at a
time: :mod:`desktop.engine.voices`). Each provider gets it in its own form
(:mod:`desktop.providers.tts_wire`); the commit point is bytes that are WAV, MP3, Ogg or FLAC
audio (sniffed, not trusted from a header), so a provider answering JSON or an HTML error page
with status 200 fails over to the next one. The file is kept as the provider gave it, in the
media store, with the text, voice, model and provider in the library.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass

from desktop.core.classify import Failure
from desktop.core.media_types import MediaFile, MediaResult, SpeakRequest
from desktop.core.table import Task
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import Status
from desktop.engine.attempts import AttemptScope, first_output, run_prediction, task_headers
from desktop.engine.service_base import StoredTaskService
from desktop.engine.speech import wav_duration
from desktop.engine.voices import check_text
from desktop.providers import replicate, tts_wire
from desktop.providers.exchange import AttemptFailed, exchange
from desktop.providers.media_fetch import AUDIO, MediaLimits, fetch_media
from desktop.providers.mime import suffix_for

FIRST_RESULT_S = 60.0
"""A provider has a minute to start answering before the next one is tried."""

AttemptCallback = Callable[[AttemptRecord], None]

OPENAI_STYLE = frozenset({"together", "deepinfra"})


@dataclass
class Spoken:
    """One validated audio answer, before it is stored."""

    data: bytes
    mime: str


class SpeakService(StoredTaskService):
    """Reads text aloud through the engine and keeps the audio in the library.

    Attributes:
        first_deadline_s: how long one provider may take before failover.
        poll: how Replicate predictions are polled when not finished at once.
        limits: what an audio download (fal, Replicate links) may be.
    """

    first_deadline_s: float = FIRST_RESULT_S
    poll: replicate.PollBackoff = replicate.PollBackoff()
    limits: MediaLimits = AUDIO

    async def speak(
        self, request: SpeakRequest, *, on_attempt: AttemptCallback | None = None
    ) -> MediaResult:
        """Read ``request.text`` aloud; never raises for bad input or a routing failure (the
        result says what happened). Bad input sends nothing and keeps nothing."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        task = Task.TEXT_TO_SPEECH.value
        trace = Trace(model=request.model, policy=request.provider, task=task)
        voice = request.voice.strip() if request.voice and request.voice.strip() else None
        params: dict[str, object] = {"voice": voice, "provider": request.provider}
        result = MediaResult(task=task, status=Status.FAILED, trace=trace, params=params)
        problem = check_text(request.model, request.text)
        if problem is not None:
            result.error = problem
            result.duration_ms = 0.0
            return result

        made = await self._produce(
            Task.TEXT_TO_SPEECH,
            request.model,
            request.provider,
            lambda scope: self._say(scope, request.text, voice),
            trace=trace,
            first_deadline_s=self.first_deadline_s,
            on_attempt=on_attempt,
        )
        if made.value is None:
            result.error, result.error_action = made.error, made.action
        else:
            spoken = made.value
            result.status = Status.COMPLETE
            result.provider, result.provider_model = made.provider, made.provider_model
            stored = await self._off_loop(self.media.put, spoken.data, suffix_for(spoken.mime))
            duration = wav_duration(spoken.data) if spoken.mime == "audio/wav" else None
            result.files = [
                MediaFile(
                    path=str(stored), mime=spoken.mime, duration_s=duration, provider=made.provider
                )
            ]
        result.text = request.text
        result.duration_ms = (loop.time() - started) * 1000
        await self.engine.costs.settle_media(result)
        save = functools.partial(
            self.history.add_generation,
            task,
            prompt=request.text,
            model=request.model,
            provider=result.provider,
            provider_model=result.provider_model,
            status=result.status,
            params=params,
            files=[asdict(f) for f in result.files],
            text=request.text,
            trace=trace.to_dict(),
            error=result.error,
            duration_ms=result.duration_ms,
        )
        result.record_id = await self.db.run(save)
        return result

    # --- one attempt ----------------------------------------------------------------------

    async def _say(self, scope: AttemptScope, text: str, voice: str | None) -> Spoken:
        provider = scope.ctx.candidate.provider
        if provider in ("hf-inference", *OPENAI_STYLE):
            return await self._raw_audio(scope, text, voice)
        if provider == "fal-ai":
            return await self._fal(scope, text, voice)
        if provider == "replicate":
            return await self._replicate(scope, text, voice)
        raise AttemptFailed(Failure(Outcome.REJECTED, "it does not read text aloud here"))

    async def _raw_audio(self, scope: AttemptScope, text: str, voice: str | None) -> Spoken:
        """hf-inference, Together and DeepInfra answer with the audio itself."""
        cand = scope.ctx.candidate
        if cand.provider == "hf-inference":
            body = tts_wire.hf_body(text, voice)
        else:
            body = tts_wire.openai_speech_body(cand.provider_model, text, voice)
        answer = await exchange(
            self.engine.client,
            "POST",
            cand.route(tts_wire.route_for(cand.provider, cand.provider_model)),
            headers=task_headers(cand),
            json_body=body,
            secrets=[cand.secret or ""],
            max_bytes=self.limits.max_bytes,
        )
        scope.note_response(answer.request_id, answer.served_by)
        return Spoken(answer.content, tts_wire.audio_type(answer.content, answer.content_type))

    async def _fal(self, scope: AttemptScope, text: str, voice: str | None) -> Spoken:
        cand = scope.ctx.candidate
        answer = await exchange(
            self.engine.client,
            "POST",
            cand.route(tts_wire.route_for(cand.provider, cand.provider_model)),
            headers=task_headers(cand),
            json_body=tts_wire.fal_body(text, voice),
            secrets=[cand.secret or ""],
        )
        scope.note_response(answer.request_id, answer.served_by)
        fetched = await fetch_media(
            self.engine.client, tts_wire.fal_audio_url(answer.json()), AUDIO
        )
        return Spoken(fetched.data, tts_wire.audio_type(fetched.data, fetched.mime))

    async def _replicate(self, scope: AttemptScope, text: str, voice: str | None) -> Spoken:
        cand = scope.ctx.candidate
        client = self.engine.client
        headers = task_headers(cand)
        secrets = [cand.secret or ""]
        prediction = await run_prediction(
            scope,
            client,
            tts_wire.replicate_input(text, voice),
            headers=headers,
            secrets=secrets,
            backoff=self.poll,
        )
        fetched = await first_output(client, prediction, self.limits, "audio")
        return Spoken(fetched.data, tts_wire.audio_type(fetched.data, fetched.mime))
