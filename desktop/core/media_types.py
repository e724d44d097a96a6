"""Requests and results of the media tasks: images, video, speech and embeddings.

Shared by the engine's task services, the tabs and the command line. A result always carries
the routing trace and, when it failed, one sentence for a person (``error``) and an optional
button (``error_action``), exactly like :class:`desktop.core.chat_types.ChatResult`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from desktop.core.cost_types import Cost, cost_of
from desktop.core.trace import Trace
from desktop.core.vocab import FixAction, Status


@dataclass
class ImageRequest:
    model: str
    prompt: str
    negative_prompt: str | None = None
    width: int | None = None
    height: int | None = None
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None  # None: a random seed is drawn and recorded
    count: int = 1
    provider: str = "auto"


@dataclass
class VideoRequest:
    model: str
    prompt: str
    negative_prompt: str | None = None
    num_frames: int | None = None
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    provider: str = "auto"


@dataclass
class TranscribeRequest:
    model: str
    audio_path: str
    provider: str = "auto"


@dataclass
class EmbedRequest:
    model: str
    texts: list[str]
    provider: str = "auto"


@dataclass
class MediaFile:
    """A file kept in the media store (content-addressed) with what made it."""

    path: str
    mime: str
    width: int | None = None
    height: int | None = None
    seed: int | None = None
    duration_s: float | None = None
    provider: str | None = None  # who made it (several images may come from several)


@dataclass
class TranscriptChunk:
    start: float | None
    end: float | None
    text: str


@dataclass
class JobProgress:
    """What a long job reports while it waits: shown as status, queue position, elapsed."""

    status: str  # "submitting", "queued", "running", "downloading", "done", "failed", ...
    queue_position: int | None = None
    elapsed_s: float = 0.0
    provider: str | None = None
    job_id: str | None = None


@dataclass
class MediaResult:
    """The outcome of one image, video, transcription or embedding request."""

    task: str
    status: Status
    trace: Trace
    provider: str | None = None
    provider_model: str | None = None
    files: list[MediaFile] = field(default_factory=list)
    text: str | None = None  # transcript
    chunks: list[TranscriptChunk] = field(default_factory=list)
    vectors: list[list[float]] | None = None
    error: str | None = None
    error_action: FixAction | None = None
    duration_ms: float | None = None
    record_id: int | None = None  # the history row that keeps it
    job_id: str | None = None  # an async job's id in the job store (video), for cancel/resume
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["trace"] = self.trace.to_dict()
        data["cost"] = cost_of(self.trace).to_dict()
        return data

    @property
    def cost(self) -> Cost:
        """The estimate the engine wrote into the trace (or "no estimate")."""
        return cost_of(self.trace)
