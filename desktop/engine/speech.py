"""Speech-to-text: a routed transcription with timestamps when the provider gives them.

The audio file is read (and, for WAV, measured) off the event loop. Each provider gets it in
its own form (providers.md §4.7): hf-inference the raw bytes with the file's MIME type, fal a
data URL with a label fal can map (``audio/x-wav``, ``video/webm`` …), Replicate a data URL in
``input.audio`` (and its ``output`` in one of several shapes, a ``txt_file`` link included).
The commit point is a non-empty transcript (routing.md §5.4). The deadline is 30 s plus a
per-megabyte allowance (§5.12: "30 s + audio length factor"), since a long recording takes
longer to transcribe.

The audio is kept in the media store with the transcript, so the library can play it again.

A recording longer than one of the candidate providers takes (:data:`ASR_LIMITS`) is cut at
its silences into parts that fit them all (:mod:`desktop.engine.audio_split`); each part is a
routed request of its own, with failover, sent one after the other with progress per part,
and the transcripts are stitched into one (:mod:`desktop.engine.long_audio`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import io
import json
import wave
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from desktop.core.classify import Failure
from desktop.core.errors import SwitchboardError
from desktop.core.media_types import (
    MediaFile,
    MediaResult,
    PartProgress,
    TranscribeRequest,
    TranscriptChunk,
)
from desktop.core.table import Task
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import Status
from desktop.engine.attempts import (
    AttemptScope,
    run_prediction,
    task_headers,
)
from desktop.engine.audio_split import AudioLimit, Part, probe_seconds, split, strictest
from desktop.engine.long_audio import ASR_LIMITS, Heard, limits_for, merge_traces, stitch, too_long
from desktop.engine.service_base import Produced, StoredTaskService
from desktop.providers import fal, hf_inference, openai_transcriptions, replicate
from desktop.providers.exchange import AttemptFailed, bad_response, exchange
from desktop.providers.media_fetch import TEXT, fetch_media
from desktop.providers.mime import AUDIO_MIME_BY_SUFFIX, audio_mime_for
from desktop.providers.speech_wire import chunks_from, transcript_from
from desktop.store.file_reads import FileReadError, read_limited

FIRST_RESULT_S = 30.0
SECONDS_PER_MB = 20.0
"""Extra time per megabyte of audio (a megabyte of MP3 is about a minute of speech)."""

MAX_AUDIO_BYTES = 100 * 1024 * 1024

AttemptCallback = Callable[[AttemptRecord], None]
PartCallback = Callable[[PartProgress], None]

READABLE = "WAV, MP3, FLAC, Ogg, M4A or WebM"


@dataclass
class Audio:
    """The file to transcribe, read into memory."""

    data: bytes
    mime: str
    name: str
    suffix: str
    duration_s: float | None


@dataclass
class _Heard:
    text: str
    chunks: list[TranscriptChunk]


def wav_duration(data: bytes) -> float | None:
    """Seconds of a WAV file from its header; None when it cannot be read."""
    with contextlib.suppress(wave.Error, EOFError, ValueError), wave.open(io.BytesIO(data)) as w:
        rate = w.getframerate()
        return w.getnframes() / rate if rate else None
    return None


def read_audio(path: Path, max_bytes: int = MAX_AUDIO_BYTES) -> Audio:
    """Blocking: read and check an audio file (run it in an executor).

    Raises:
        SwitchboardError: not a readable audio file, missing, or too large.
    """
    mime = audio_mime_for(path)
    if mime is None:
        raise SwitchboardError(
            f"{path.name} is not an audio file Switchboard can send ({READABLE})."
        )
    try:
        data = read_limited(path, max_bytes, advice="cut it into shorter parts")
    except FileReadError as exc:
        raise SwitchboardError(str(exc)) from exc
    if not data:
        raise SwitchboardError(f"{path.name} is empty.")
    suffix = path.suffix.lower()
    duration = wav_duration(data) if suffix == ".wav" else probe_seconds(path)
    return Audio(data, mime, path.name, suffix, duration)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return (
        f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
        if whole >= 3600
        else (f"{whole // 60}:{whole % 60:02d}")
    )


def first_deadline_for(size_bytes: int, base_s: float = FIRST_RESULT_S) -> float:
    return base_s + SECONDS_PER_MB * size_bytes / (1024 * 1024)


class TranscribeService(StoredTaskService):
    """Transcribes audio files through the engine and keeps the result in the library.

    Attributes:
        first_deadline_s: the base time one provider has (plus :data:`SECONDS_PER_MB`).
        poll: how Replicate predictions are polled when not finished at once.
        audio_limits: what each provider takes in one request (longer audio is cut).
    """

    first_deadline_s: float = FIRST_RESULT_S
    poll: replicate.PollBackoff = replicate.PollBackoff()
    audio_limits: dict[str, AudioLimit] = ASR_LIMITS

    async def transcribe(
        self,
        request: TranscribeRequest,
        *,
        on_attempt: AttemptCallback | None = None,
        on_part: PartCallback | None = None,
    ) -> MediaResult:
        """Transcribe ``request.audio_path``; never raises for an unreadable file or a routing
        failure (the result says what happened). ``on_part`` hears the progress of a long
        recording cut into parts (before each part, and once at the end)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        path = Path(request.audio_path)
        trace = Trace(model=request.model, policy=request.provider, task=Task.SPEECH_TO_TEXT.value)
        params: dict[str, object] = {"file_name": path.name, "provider": request.provider}
        result = MediaResult(
            task=Task.SPEECH_TO_TEXT.value, status=Status.FAILED, trace=trace, params=params
        )
        try:
            audio = await self._off_loop(read_audio, path)
        except SwitchboardError as exc:
            result.error, result.error_action = str(exc), exc.action
            result.duration_ms = (loop.time() - started) * 1000
            return result
        params["mime"] = audio.mime
        params["duration_s"] = audio.duration_s

        limit = await self._limit(request)
        parts: list[Part] = []
        if limit is not None and too_long(len(audio.data), audio.duration_s, limit):
            try:
                parts = await self._off_loop(split, path, audio.data, limit)
            except SwitchboardError as exc:
                result.error, result.error_action = str(exc), exc.action
        if len(parts) > 1:
            params["parts"] = len(parts)
            trace = await self._hear_parts(request, audio, parts, result, on_attempt, on_part)
            result.trace = trace
        elif result.error is None:
            made = await self._produce(
                Task.SPEECH_TO_TEXT,
                request.model,
                request.provider,
                lambda scope: self._hear(scope, audio),
                trace=trace,
                first_deadline_s=first_deadline_for(len(audio.data), self.first_deadline_s),
                on_attempt=on_attempt,
            )
            if made.value is None:
                result.error, result.error_action = made.error, made.action
            else:
                result.status = Status.COMPLETE
                result.text = made.value.text
                result.chunks = made.value.chunks
                result.provider, result.provider_model = made.provider, made.provider_model
        stored = await self._off_loop(self.media.put, audio.data, audio.suffix or ".bin")
        result.files = [MediaFile(path=str(stored), mime=audio.mime, duration_s=audio.duration_s)]
        params["chunks"] = [asdict(c) for c in result.chunks]
        result.duration_ms = (loop.time() - started) * 1000
        await self.engine.costs.settle_media(result)
        save = functools.partial(
            self.history.add_generation,
            Task.SPEECH_TO_TEXT.value,
            prompt=path.name,
            model=request.model,
            provider=result.provider,
            provider_model=result.provider_model,
            status=result.status,
            params=result.params,
            files=[asdict(f) for f in result.files],
            text=result.text,
            trace=trace.to_dict(),
            error=result.error,
            duration_ms=result.duration_ms,
        )
        result.record_id = await self.db.run(save)
        return result

    # --- long recordings ------------------------------------------------------------------

    async def _limit(self, request: TranscribeRequest) -> AudioLimit | None:
        """The strictest limit among the providers this request may go to (None: no
        candidates; routing will say why)."""
        try:
            candidates, _ = await self.engine.task_candidates(
                Task.SPEECH_TO_TEXT, request.model, request.provider
            )
        except SwitchboardError:
            return None
        return strictest(limits_for((c.provider for c in candidates), self.audio_limits))

    async def _hear_parts(
        self,
        request: TranscribeRequest,
        audio: Audio,
        parts: list[Part],
        result: MediaResult,
        on_attempt: AttemptCallback | None,
        on_part: PartCallback | None,
    ) -> Trace:
        """Each part routed on its own, one after the other; stops at the first part no
        provider could transcribe (the transcript so far is kept, the result failed)."""
        traces: list[Trace] = []
        heard: list[Heard] = []
        total = len(parts)
        stem = Path(audio.name).stem
        for part in parts:
            if on_part is not None:
                on_part(PartProgress(part.index, total, part.offset_s, result.provider))
            piece = Audio(
                part.wav, "audio/wav", f"{stem}-{part.index + 1}.wav", ".wav", part.duration_s
            )
            trace = Trace(
                model=request.model, policy=request.provider, task=Task.SPEECH_TO_TEXT.value
            )
            traces.append(trace)
            made: Produced[_Heard] = await self._produce(
                Task.SPEECH_TO_TEXT,
                request.model,
                request.provider,
                functools.partial(self._hear, audio=piece),
                trace=trace,
                first_deadline_s=first_deadline_for(len(part.wav), self.first_deadline_s),
                on_attempt=on_attempt,
            )
            if made.value is None:
                result.error = (
                    f"Part {part.index + 1} of {total} (from {_clock(part.offset_s)}) could "
                    f"not be transcribed: {made.error}"
                )
                result.error_action = made.action
                break
            heard.append(Heard(part, made.value.text, made.value.chunks))
            if result.provider is None:
                result.provider, result.provider_model = made.provider, made.provider_model
        result.text, result.chunks = stitch(heard)
        if len(heard) == total:
            result.status = Status.COMPLETE
            if on_part is not None:
                on_part(PartProgress(total, total, audio.duration_s or 0.0, result.provider))
        return merge_traces(request.model, request.provider, Task.SPEECH_TO_TEXT.value, traces)

    # --- one attempt ----------------------------------------------------------------------

    async def _hear(self, scope: AttemptScope, audio: Audio) -> _Heard:
        provider = scope.ctx.candidate.provider
        if provider == "hf-inference":
            heard = await self._hf(scope, audio)
        elif provider == "fal-ai":
            heard = await self._fal(scope, audio)
        elif provider == "replicate":
            heard = await self._replicate(scope, audio)
        elif provider == "deepinfra":
            heard = await self._openai_style(scope, audio)
        else:
            raise AttemptFailed(Failure(Outcome.REJECTED, "it does not transcribe audio here"))
        if not heard.text.strip():
            raise bad_response("the transcript was empty")
        return heard

    async def _hf(self, scope: AttemptScope, audio: Audio) -> _Heard:
        cand = scope.ctx.candidate
        answer = await exchange(
            self.engine.client,
            "POST",
            cand.route(hf_inference.model_route(cand.provider_model)),
            headers=hf_inference.asr_headers(task_headers(cand), audio.mime),
            content=audio.data,
            secrets=[cand.secret or ""],
        )
        scope.note_response(answer.request_id, answer.served_by)
        text, chunks = transcript_from(answer.json())
        return _Heard(text.strip(), chunks)

    async def _encode(self, body: Callable[[], dict[str, Any]]) -> bytes:
        """JSON with the audio inside (base64, megabytes): built off the event loop."""

        def encode() -> bytes:
            return json.dumps(body()).encode()

        return await self._off_loop(encode)

    async def _fal(self, scope: AttemptScope, audio: Audio) -> _Heard:
        cand = scope.ctx.candidate
        body = await self._encode(lambda: fal.asr_body(audio.data, audio.mime))
        answer = await exchange(
            self.engine.client,
            "POST",
            cand.route(fal.route(cand.provider_model)),
            headers=task_headers(cand),
            content=body,
            secrets=[cand.secret or ""],
        )
        scope.note_response(answer.request_id, answer.served_by)
        text, chunks = fal.parse_asr(answer.json())
        return _Heard(text.strip(), chunks)

    async def _openai_style(self, scope: AttemptScope, audio: Audio) -> _Heard:
        """DeepInfra: the audio as a multipart upload (built off the loop)."""
        cand = scope.ctx.candidate
        body, content_type = await self._off_loop(
            openai_transcriptions.multipart, audio.data, audio.mime, cand.provider_model
        )
        answer = await exchange(
            self.engine.client,
            "POST",
            cand.route(openai_transcriptions.ROUTE),
            headers={**task_headers(cand), "content-type": content_type},
            content=body,
            secrets=[cand.secret or ""],
        )
        scope.note_response(answer.request_id, answer.served_by)
        text, chunks = transcript_from(answer.json())
        return _Heard(text.strip(), chunks)

    async def _replicate(self, scope: AttemptScope, audio: Audio) -> _Heard:
        cand = scope.ctx.candidate
        client = self.engine.client
        headers = task_headers(cand)
        secrets = [cand.secret or ""]

        def body() -> dict[str, Any]:
            data_url = f"data:{audio.mime};base64,{base64.b64encode(audio.data).decode('ascii')}"
            return replicate.request_body(cand.provider_model, {"audio": data_url})

        prediction = await run_prediction(
            scope,
            client,
            {},
            headers=headers,
            secrets=secrets,
            backoff=self.poll,
            encoded=await self._encode(body),
        )
        out = replicate.transcript_output(prediction.output)
        text = out.text
        if text is None and out.txt_file:
            fetched = await fetch_media(client, out.txt_file, TEXT)
            text = fetched.data.decode("utf-8", "replace")
        if text is None:
            raise bad_response("the prediction had no transcript")
        return _Heard(text.strip(), chunks_from(out.segments))


SUPPORTED_SUFFIXES = tuple(AUDIO_MIME_BY_SUFFIX)
"""File name endings the Speech tab and ``switchboard transcribe`` accept."""
