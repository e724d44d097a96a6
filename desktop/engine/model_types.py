"""What the model browser shows: models, their offers, pages of results and warnings.

Plain frozen dataclasses shared by the directory (engine), the browser window and the command
line; see :mod:`desktop.engine.model_directory` for where they come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from desktop.engine.model_tasks import TaskName

OfferState = Literal["live", "test-only", "resting", "needs a key", "off"]


@dataclass(frozen=True)
class ProviderOffer:
    """One provider serving one model, as this user can use it right now.

    Attributes:
        provider: provider id ("groq") or a custom server's name.
        label: the name a person reads ("Groq").
        state: "live"; "test-only" (HF mapping status staging: used only when picked by name);
            "resting" (our breaker for it is open, or HF's health check fails); "needs a key"
            (no HF token and no own key); "off" (switched off on the Providers page).
        context_length, price_in, price_out, first_token_ms, throughput, supports_tools,
            is_free: what the router publishes for chat (prices in USD per million tokens,
            throughput in tokens/s); None when unknown.
    """

    provider: str
    label: str
    state: str
    context_length: int | None = None
    price_in: float | None = None
    price_out: float | None = None
    first_token_ms: float | None = None
    throughput: float | None = None
    supports_tools: bool | None = None
    is_free: bool | None = None


@dataclass(frozen=True)
class ModelInfo:
    """One model as the browser shows it.

    Attributes:
        id: the Hub id ("meta-llama/Llama-3.1-8B-Instruct") or a custom server's model name.
        name: readable ("Llama 3.1 8B Instruct").
        author: "meta-llama" (a custom server's name for its own models).
        task: our tab for its pipeline tag; None when no tab fits.
        pipeline_tag: Hugging Face's tag ("text-generation"); "" for a custom server's model.
        summary: one plain line ("fast drafts") from the starter picks or the model card.
        likes, downloads, trending: popularity when the Hub says.
        badges: "reads images", "uses tools", "free", "new", "starter".
        offers: the providers serving it, in the user's provider order.
    """

    id: str
    name: str
    author: str
    task: TaskName | None
    pipeline_tag: str
    summary: str = ""
    likes: int | None = None
    downloads: int | None = None
    trending: float | None = None
    badges: frozenset[str] = frozenset()
    offers: tuple[ProviderOffer, ...] = ()


@dataclass(frozen=True)
class ModelPage:
    """One answer of the directory.

    Attributes:
        models: best first.
        fetched_at: epoch seconds of the data shown; None when only starter picks are shown.
        stale: True when served from the cache because the network failed.
        note: one plain sentence for the user ("Offline: results from 3 hours ago.").
    """

    models: tuple[ModelInfo, ...]
    fetched_at: float | None
    stale: bool
    note: str = ""


@dataclass(frozen=True)
class ModelWarning:
    """Why a model may not do what the user expects in this tab, said before sending.

    Attributes:
        kind: "wrong-task", "no-vision" or "unknown".
        message: one plain sentence ("This is a chat model; pick an image model.").
        suggestions: close matches, for "unknown".
        fits_task: the tab the model belongs to, for "wrong-task".
    """

    kind: str
    message: str
    suggestions: tuple[str, ...] = ()
    fits_task: TaskName | None = None


@dataclass(frozen=True)
class Pick:
    """A favourite or recent model of one task, with the provider policy chosen for it."""

    model_id: str
    provider_policy: str = "auto"
    used_at: float = 0.0
