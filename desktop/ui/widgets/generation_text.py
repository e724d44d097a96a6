"""How a stored generation reads in lists and detail panels (no Qt here).

Why shared: the Library lists pictures, videos, transcripts and embeddings side by side, and
the task tabs show the same facts about their own results ("1024 × 1024 · 4 steps · seed 7",
"3 min ago"); one wording everywhere, tested without a window.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from desktop.core.media_types import tab_task
from desktop.core.table import Task, provider_label
from desktop.core.trace import Trace
from desktop.core.vocab import Status
from desktop.engine.compare import COMPARE_TASK
from desktop.store.history import StoredGeneration, make_preview
from desktop.ui.widgets.routing_words import clock

KIND_LABELS: dict[str, str] = {
    Task.TEXT_TO_IMAGE.value: "Picture",
    Task.TEXT_TO_VIDEO.value: "Video",
    Task.IMAGE_TO_IMAGE.value: "Changed picture",
    Task.IMAGE_TO_VIDEO.value: "Animated picture",
    Task.SPEECH_TO_TEXT.value: "Transcript",
    Task.EMBEDDINGS.value: "Embeddings",
    COMPARE_TASK: "Comparison",
    Task.TEXT_TO_SPEECH.value: "Spoken audio",
    Task.CHAT.value: "Chat",
}

TAB_NAMES: dict[str, str] = {
    Task.TEXT_TO_IMAGE.value: "Images",
    Task.TEXT_TO_VIDEO.value: "Video",
    Task.SPEECH_TO_TEXT.value: "Speech",
    Task.EMBEDDINGS.value: "Embeddings",
    COMPARE_TASK: "Compare",
    Task.TEXT_TO_SPEECH.value: "Speech",
    Task.CHAT.value: "Chat",
}
"""The tab that makes each kind ("Reuse in Images")."""

STATUS_WORDS: dict[str, str] = {
    Status.RUNNING: "Still being made",
    Status.FAILED: "Failed",
    Status.CANCELLED: "Cancelled",
    Status.INTERRUPTED: "Interrupted",
}


def stored_trace(gen: StoredGeneration) -> Trace | None:
    """The routing trace kept with ``gen``; None when there is none or it cannot be read."""
    if not gen.trace:
        return None
    try:
        return Trace.from_dict(gen.trace)
    except (TypeError, ValueError, KeyError):
        return None


def kind_label(task: str) -> str:
    return KIND_LABELS.get(task, task)


def model_name(model: str | None) -> str:
    """``black-forest-labs/FLUX.1-schnell`` → ``FLUX.1-schnell``."""
    return (model or "").rsplit("/", 1)[-1]


def texts_of(gen: StoredGeneration) -> list[str]:
    """The texts an embeddings row was made from."""
    texts = gen.params.get("texts")
    return [str(t) for t in texts] if isinstance(texts, list) else []


def title(gen: StoredGeneration) -> str:
    """One line that names the item: the prompt, the audio file's name, the first text."""
    if tab_task(gen.task) == Task.EMBEDDINGS.value:
        texts = texts_of(gen)
        return make_preview(texts[0]) if texts else "Embeddings"
    return make_preview(gen.prompt) or kind_label(gen.task)


def summary(gen: StoredGeneration) -> str:
    """The muted second line: what it is, how big, who made it (or why it is not there)."""
    parts: list[str] = []
    if tab_task(gen.task) == Task.TEXT_TO_IMAGE.value:
        n = len(gen.files)
        parts.append(f"{n} pictures" if n > 1 else "Picture")
    elif tab_task(gen.task) == Task.TEXT_TO_VIDEO.value:
        duration = next((f.get("duration_s") for f in gen.files if f.get("duration_s")), None)
        parts.append(f"Video · {clock(float(duration))}" if duration else "Video")
    elif tab_task(gen.task) == Task.SPEECH_TO_TEXT.value:
        words = make_preview(gen.text or "", 60)
        parts.append(f"“{words}”" if words else "Transcript")
    elif tab_task(gen.task) == Task.EMBEDDINGS.value:
        n = len(texts_of(gen))
        parts.append(f"Embeddings of {n} text{'s' if n != 1 else ''}")
    elif gen.task == Task.CHAT.value:
        # A chat's title is the first line; its first question says what it is about.
        first = make_preview(gen.text or "", 60)
        parts.append(f"“{first}”" if first else "Chat")
    else:
        parts.append(kind_label(gen.task))
    if gen.status != Status.COMPLETE:
        parts.append(STATUS_WORDS.get(gen.status, gen.status))
    if gen.model:
        parts.append(model_name(gen.model))
    if gen.provider:
        parts.append(f"via {provider_label(gen.provider)}")
    return " · ".join(parts)


def picture_size(files: Sequence[Mapping[str, Any]]) -> tuple[int, int] | None:
    """The real pixel size of the first picture, as measured when it was kept."""
    for f in files:
        width, height = f.get("width"), f.get("height")
        if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
            return width, height
    return None


def params_summary(
    task: str, params: dict[str, Any], files: Sequence[Mapping[str, Any]] = ()
) -> str:
    """The settings in plain words: ``1024 × 1024 · 4 steps · guidance 3.5 · seed 7``.

    A picture's size is its real one (``files``), not the one asked for: providers round
    sizes to their own steps. When they differ, the asked size follows as a detail.
    """
    parts: list[str] = []
    width, height = params.get("width"), params.get("height")
    real = picture_size(files)
    if real is not None:
        size = f"{real[0]} × {real[1]}"
        if width and height and (width, height) != real:
            size += f" (asked for {width} × {height})"
        parts.append(size)
    elif width and height:
        parts.append(f"{width} × {height}")
    messages = params.get("messages")
    if task == Task.CHAT.value and isinstance(messages, int):
        parts.append(f"{messages} message{'s' if messages != 1 else ''}")
    frames = params.get("num_frames")
    if isinstance(frames, int) and frames > 0:
        # Seconds first (16 frames per second, as the Video form counts), frames as a detail.
        parts.append(f"{max(0, frames - 1) / 16:g} s ({frames} frames)")
    if params.get("steps"):
        parts.append(f"{params['steps']} steps")
    if params.get("guidance") is not None:
        parts.append(f"guidance {params['guidance']:g}")
    if params.get("seed") is not None:
        parts.append(f"seed {params['seed']}")
    if task == Task.TEXT_TO_SPEECH.value and params.get("voice"):
        parts.append(f"voice {params['voice']}")
    if params.get("parts"):
        parts.append(f"{params['parts']} parts")
    if task == Task.EMBEDDINGS.value and params.get("dimensions"):
        parts.append(f"{params['dimensions']} dimensions")
    return " · ".join(parts)


def when(timestamp: float, now: float | None = None) -> str:
    """``just now``, ``5 min ago``, ``14:03``, ``Yesterday``, ``12 Mar``, ``12 Mar 2025``."""
    now = time.time() if now is None else now
    delta = now - timestamp
    if delta < 60:
        return "just now"
    if delta < 3600:
        return f"{int(delta // 60)} min ago"
    then, today = datetime.fromtimestamp(timestamp), datetime.fromtimestamp(now)
    days = (today.date() - then.date()).days
    if days == 0:
        return then.strftime("%H:%M")
    if days == 1:
        return "Yesterday"
    if then.year == today.year:
        return f"{then.day} {then.strftime('%b')}"
    return f"{then.day} {then.strftime('%b %Y')}"


def created_text(timestamp: float) -> str:
    """A full date and time for detail panels: ``12 Mar 2026, 14:03``."""
    then = datetime.fromtimestamp(timestamp)
    return f"{then.day} {then.strftime('%b %Y, %H:%M')}"
