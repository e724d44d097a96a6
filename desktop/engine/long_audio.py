"""Long recordings, the engine side: how much each provider takes, and the stitching.

A transcription request that is too long for one of its candidate providers is cut
(:mod:`desktop.engine.audio_split`) to fit the strictest of them, so any part can fail over to
any candidate. This module holds the per-provider limits, and turns the parts' transcripts
back into one: texts joined, every timestamp moved by its part's offset, and a part whose
provider gave no timestamps timed by its sentences within the part — so SRT and VTT cues stay
in order and inside their part across every boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from desktop.core.media_types import TranscriptChunk
from desktop.core.trace import Trace
from desktop.engine.audio_split import AudioLimit, Part
from desktop.engine.transcripts import timed_cues

MB = 1024 * 1024

ASR_LIMITS: dict[str, AudioLimit] = {
    "hf-inference": AudioLimit(10 * MB, 10 * 60.0),
    "fal-ai": AudioLimit(25 * MB, 30 * 60.0),
    "replicate": AudioLimit(25 * MB, 30 * 60.0),
    "deepinfra": AudioLimit(25 * MB, 30 * 60.0),
}
"""What Switchboard sends one provider in one request. The audio travels inside the request
(raw, base64 JSON or multipart), and the OpenAI-style transcription APIs stop at 25 MB; HF
Inference's serverless models are the strictest, so they get the smallest parts."""

DEFAULT_LIMIT = AudioLimit(25 * MB, 30 * 60.0)
"""For a provider not listed above (a new one from the router's list)."""


def limits_for(providers: Iterable[str], table: dict[str, AudioLimit]) -> list[AudioLimit]:
    return [table.get(p, DEFAULT_LIMIT) for p in providers]


def too_long(size: int, seconds: float | None, limit: AudioLimit) -> bool:
    """Whether a recording must be cut to fit ``limit``."""
    return size > limit.max_bytes or (seconds is not None and seconds > limit.max_seconds)


@dataclass
class Heard:
    """One part's transcript as its provider gave it (chunk times relative to the part)."""

    part: Part
    text: str
    chunks: list[TranscriptChunk]


def stitch(heard: Sequence[Heard]) -> tuple[str, list[TranscriptChunk]]:
    """One transcript from the parts, with times on the whole recording's clock."""
    texts: list[str] = []
    cues: list[TranscriptChunk] = []
    for item in heard:
        text = item.text.strip()
        if text:
            texts.append(text)
        start, length = item.part.offset_s, item.part.duration_s
        local = timed_cues(item.chunks, text, length)
        for cue in local:
            begin = min(max(0.0, cue.start or 0.0), length)
            end = min(max(begin, cue.end if cue.end is not None else length), length)
            cues.append(
                TranscriptChunk(round(start + begin, 3), round(start + end, 3), cue.text.strip())
            )
    return " ".join(texts), cues


def merge_traces(model: str, policy: str, task: str, traces: Sequence[Trace]) -> Trace:
    """One trace for the parts of a request: the first part's candidates, every attempt in
    order, the first provider that answered."""
    merged = Trace(model=model, policy=policy, task=task)
    if not traces:
        return merged
    merged.candidates = list(traces[0].candidates)
    merged.request_id = traces[0].request_id
    for trace in traces:
        merged.attempts += trace.attempts
        if merged.answered_by is None and trace.answered_by is not None:
            merged.answered_by, merged.billed_to = trace.answered_by, trace.billed_to
    return merged
