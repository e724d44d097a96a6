"""Our tabs and Hugging Face's task names, and the plain words the model browser uses.

The Hub files every model under one ``pipeline_tag`` and every provider mapping entry under a
``task``; the app has five tabs. This module is the one place that says which tags belong to
which tab, so the browser, the wrong-tab warning and the command line agree.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from desktop.core.table import Task

TaskName = Literal["chat", "image", "video", "speech", "embeddings", "speak"]
"""Our tabs."""

TASKS: tuple[TaskName, ...] = get_args(TaskName)

PIPELINE_TAGS: dict[TaskName, tuple[str, ...]] = {
    "chat": ("text-generation", "image-text-to-text"),
    "image": ("text-to-image", "image-to-image"),
    "video": ("text-to-video", "image-to-video"),
    "speech": ("automatic-speech-recognition",),
    "embeddings": ("feature-extraction", "sentence-similarity"),
    "speak": ("text-to-speech",),
}
"""The Hub's pipeline tags listed in each tab, most common first."""

MAPPING_TASKS: dict[TaskName, tuple[str, ...]] = {
    "chat": (Task.CHAT.value,),
    "image": (Task.TEXT_TO_IMAGE.value, Task.IMAGE_TO_IMAGE.value),
    "video": (Task.TEXT_TO_VIDEO.value, Task.IMAGE_TO_VIDEO.value),
    "speech": (Task.SPEECH_TO_TEXT.value,),
    "embeddings": (Task.EMBEDDINGS.value,),
    "speak": (Task.TEXT_TO_SPEECH.value,),
}
"""Provider mapping ``task`` values the engine routes in each tab (table.Task): an offer is
only shown for a provider that a request would really use."""

TASK_NOUNS: dict[TaskName, str] = {
    "chat": "chat",
    "image": "image",
    "video": "video",
    "speech": "speech-to-text",
    "embeddings": "embeddings",
    "speak": "read-aloud",
}

ALIASES: dict[str, TaskName] = {
    "conversational": "chat",
    "images": "image",
    "text-to-image": "image",
    "image-to-image": "image",
    "image-to-video": "video",
    "videos": "video",
    "transcribe": "speech",
    "asr": "speech",
    "embed": "embeddings",
    "embedding": "embeddings",
    "text-to-speech": "speak",
    "tts": "speak",
    "read-aloud": "speak",
}


def task_for_tag(tag: str) -> TaskName | None:
    """Our tab for a pipeline tag or mapping task (or our own tab name); None when none fits."""
    if tag in TASKS:
        return tag
    if tag in ALIASES:
        return ALIASES[tag]
    for task in TASKS:
        if tag in PIPELINE_TAGS[task] or tag in MAPPING_TASKS[task]:
            return task
    return None


def with_article(noun: str) -> str:
    """ "an image", "a chat" — for sentences like "pick an image model"."""
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def wrong_task_text(fits: TaskName, wanted: TaskName) -> str:
    """ "This is a chat model; pick an image model." """
    return (
        f"This is {with_article(TASK_NOUNS[fits])} model; "
        f"pick {with_article(TASK_NOUNS[wanted])} model."
    )


_SEPARATORS = re.compile(r"[-_]+")


def readable_name(model_id: str) -> str:
    """ "meta-llama/Llama-3.1-8B-Instruct" → "Llama 3.1 8B Instruct"; local names kept tidy."""
    tail = model_id.rsplit("/", 1)[-1]
    words = _SEPARATORS.sub(" ", tail).strip()
    return words or model_id


def author_of(model_id: str) -> str:
    return model_id.split("/", 1)[0] if "/" in model_id else ""


def age_text(seconds: float) -> str:
    """ "just now", "5 minutes ago", "3 hours ago", "2 days ago"."""
    if seconds < 90:
        return "just now"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes ago"
    hours = round(seconds / 3600)
    if hours < 36:
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    days = round(seconds / 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"
