"""How the model browser says numbers and facts in plain, short words.

Why a module of its own: the rows, the details pane, the type-ahead and the warnings all speak
about the same things (popularity, prices, providers, tasks); one set of phrasings keeps them
consistent, and plain functions are easy to test without a window.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from desktop.core.table import Task
from desktop.ui.widgets.routing_words import seconds

if TYPE_CHECKING:
    from desktop.engine.model_directory import ModelInfo, ProviderOffer, TaskName

TASK_OF_TAB: dict[Task, TaskName] = {
    Task.CHAT: "chat",
    Task.TEXT_TO_IMAGE: "image",
    Task.TEXT_TO_VIDEO: "video",
    Task.SPEECH_TO_TEXT: "speech",
    Task.EMBEDDINGS: "embeddings",
    Task.TEXT_TO_SPEECH: "speak",
}
"""The directory's task name for each tab's engine task."""

TAB_OF_TASK: dict[TaskName, Task] = {name: task for task, name in TASK_OF_TAB.items()}

TASK_TITLES: dict[TaskName, str] = {
    "chat": "Chat",
    "image": "Images",
    "video": "Video",
    "speech": "Speech",
    "embeddings": "Embeddings",
    "speak": "Read aloud",
}
"""The tab names, as the task selector shows them."""

TASK_NOUNS: dict[TaskName, str] = {
    "chat": "chat models",
    "image": "image models",
    "video": "video models",
    "speech": "speech models",
    "embeddings": "embedding models",
    "speak": "read-aloud models",
}
"""What a person calls the models of a task ("No image models match …")."""

BADGE_ORDER = ("starter", "free", "reads images", "uses tools", "new", "test-only")
"""Badges in the order they are drawn; "test-only" comes from the offers, not the model."""

STATE_WORDS = {
    "live": "ready",
    "test-only": "test-only",
    "resting": "resting",
    "needs a key": "needs a key",
    "off": "switched off",
}


def task_name(task: Task | str) -> TaskName:
    """The directory's task for a tab's engine task (``Task.TEXT_TO_IMAGE`` → ``"image"``)."""
    return TASK_OF_TAB[Task(task)]


def short_count(n: int | float) -> str:
    """``950`` → ``"950"``; ``12_345`` → ``"12k"``; ``1_250_000`` → ``"1.3M"``."""
    value = float(n)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            scaled = value / limit
            text = f"{scaled:.1f}" if scaled < 10 else f"{scaled:.0f}"
            return text.removesuffix(".0") + suffix
    return f"{value:.0f}"


def popularity(model: ModelInfo) -> str:
    """ "12k likes · 1.3M downloads" (what the Hub says; empty when it says nothing)."""
    parts = []
    if model.likes is not None:
        parts.append(f"{short_count(model.likes)} like{'' if model.likes == 1 else 's'}")
    if model.downloads is not None:
        parts.append(f"{short_count(model.downloads)} downloads")
    return " · ".join(parts)


def price(value: float) -> str:
    """USD per million tokens: ``0`` → ``"free"``; ``0.05`` → ``"$0.05"``; ``1.5`` →
    ``"$1.50"``; ``0.002`` → ``"$0.002"``."""
    if value == 0:
        return "free"
    if value < 0.01:
        return f"${value:.3f}".rstrip("0")
    return f"${value:.2f}"


def context_words(tokens: int) -> str:
    """``131072`` → ``"131k context"``."""
    return f"{short_count(tokens)} context"


def best_offer(model: ModelInfo) -> ProviderOffer | None:
    """The first offer in the user's order that can be used now (else the first at all)."""
    for offer in model.offers:
        if offer.state == "live":
            return offer
    return model.offers[0] if model.offers else None


def offer_facts(offer: ProviderOffer) -> list[str]:
    """What a chat provider publishes, in words: price, context, first token, speed."""
    facts = []
    if offer.is_free:
        facts.append("free")
    elif offer.price_in is not None and offer.price_out is not None:
        facts.append(f"{price(offer.price_in)} in / {price(offer.price_out)} out per M tokens")
    if offer.context_length:
        facts.append(context_words(offer.context_length))
    if offer.first_token_ms is not None:
        facts.append(f"first word in {seconds(offer.first_token_ms)}")
    if offer.throughput:
        facts.append(f"{offer.throughput:.0f} tokens/s")
    return facts


def chat_facts(model: ModelInfo) -> str:
    """The facts of the provider the user would get first (chat models only)."""
    offer = best_offer(model)
    return " · ".join(offer_facts(offer)) if offer is not None else ""


def providers_line(offers: Iterable[ProviderOffer], limit: int = 4) -> str:
    """ "Groq ready · Cerebras needs a key · +2 more" (the user's order)."""
    offers = list(offers)
    if not offers:
        return "No provider known to serve it right now"
    shown = [f"{o.label} {STATE_WORDS.get(o.state, o.state)}" for o in offers[:limit]]
    if len(offers) > limit:
        shown.append(f"+{len(offers) - limit} more")
    return " · ".join(shown)


def badges(model: ModelInfo) -> list[str]:
    """The model's badges in drawing order, with "test-only" when only staging serves it."""
    found = set(model.badges)
    if model.offers and all(o.state == "test-only" for o in model.offers):
        found.add("test-only")
    ordered = [b for b in BADGE_ORDER if b in found]
    return ordered + sorted(found - set(BADGE_ORDER))


def is_free(model: ModelInfo) -> bool:
    """Free to use: the Hub says so, or a provider publishes it as free."""
    return "free" in model.badges or any(o.is_free for o in model.offers)


def reads_images(model: ModelInfo) -> bool:
    return "reads images" in model.badges


def readable_name(model_id: str) -> str:
    """A name for an id nothing else is known about: the part after the owner."""
    return model_id.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ") or model_id


def author_of(model_id: str) -> str:
    return model_id.split("/", 1)[0] if "/" in model_id else ""


def ago(seconds_ago: float) -> str:
    """``40`` → ``"just now"``; ``600`` → ``"10 minutes ago"``; ``10800`` → ``"3 hours ago"``."""
    minutes = int(seconds_ago // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    days = hours // 24
    return f"{days} days ago"
