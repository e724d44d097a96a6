"""Requests and results of the media tasks: images, video, speech and embeddings.

Shared by the engine's task services, the tabs and the command line. A result always carries
the routing trace and, when it failed, one sentence for a person (``error``) and an optional
button (``error_action``), exactly like :class:`desktop.core.chat_types.ChatResult`.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop.core.cost_types import Cost, cost_of
from desktop.core.trace import Trace
from desktop.core.vocab import FixAction, Status

TAB_TASK: dict[str, str] = {
    "image-to-image": "text-to-image",
    "image-to-video": "text-to-video",
}
"""Tasks made in another task's tab: a changed picture lives with the pictures (Images tab),
an animated picture with the videos (Video tab)."""


def tab_task(task: str) -> str:
    """The task whose tab makes and shows ``task`` (``image-to-image`` → ``text-to-image``)."""
    return TAB_TASK.get(task, task)


@dataclass(frozen=True)
class LoraChoice:
    """One style (LoRA adapter) from the Hub, applied with ``weight`` (1.0: as trained).

    ``weights_file`` is the adapter's ``.safetensors`` file in its repo (fal wants a file URL),
    filled in when the adapter is checked against the Hub; ``trigger`` is the word its card
    says to put in the prompt, when it names one.
    """

    repo: str
    weight: float = 1.0
    weights_file: str | None = None
    trigger: str | None = None


@dataclass
class ImageRequest:
    """A picture to make: from the prompt alone (text-to-image) or, with ``source_path``, by
    changing that picture (image-to-image; ``strength`` is how far it may move from it)."""

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
    source_path: str | None = None
    strength: float | None = None
    loras: list[LoraChoice] = field(default_factory=list)

    @property
    def task(self) -> str:
        """``image-to-image`` with a start picture, ``text-to-image`` without."""
        return "image-to-image" if self.source_path else "text-to-image"


@dataclass
class VideoRequest:
    """A video to make: from the prompt (text-to-video) or, with ``source_path``, by animating
    that picture (image-to-video)."""

    model: str
    prompt: str
    negative_prompt: str | None = None
    num_frames: int | None = None
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    provider: str = "auto"
    source_path: str | None = None
    loras: list[LoraChoice] = field(default_factory=list)
    source: SourceImage | None = field(default=None, repr=False, compare=False)
    """The start picture once read and checked (the engine fills it in; never persisted)."""

    @property
    def task(self) -> str:
        """``image-to-video`` with a start picture, ``text-to-video`` without."""
        return "image-to-video" if self.source_path else "text-to-video"


@dataclass(frozen=True)
class SourceImage:
    """A start picture, read and checked: its bytes, type and size."""

    data: bytes = field(repr=False)
    mime: str
    width: int
    height: int

    def data_url(self) -> str:
        """``data:<mime>;base64,…``: how fal, Replicate, Together and WaveSpeed take it."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")


@dataclass
class TranscribeRequest:
    model: str
    audio_path: str
    provider: str = "auto"


@dataclass
class SpeakRequest:
    """Read ``text`` aloud with ``model``; ``voice`` None means the model's default voice."""

    model: str
    text: str
    voice: str | None = None
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
    percent: float | None = None
    """0–100 when the provider reports how far it is; None (the usual case) when it does not."""


@dataclass
class PartProgress:
    """A long recording's progress: ``done`` of ``total`` parts transcribed, the part now
    being sent starting at ``offset_s`` in the recording."""

    done: int
    total: int
    offset_s: float = 0.0
    provider: str | None = None


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
