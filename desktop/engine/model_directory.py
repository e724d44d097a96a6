"""The model browser's data: which models exist for a task, who serves them, and for whom.

Three sources feed it (issue 11): the Hub's model list (``/api/models`` with filters), the
router's catalogue (``/v1/models``: prices, context, speed, status per provider) and each custom
server's own ``/v1/models``. Results are cached on disk so browsing works offline, and shipped
starter picks mean a first launch without a network still offers real choices. No Qt here: the
browser window and ``switchboard models`` read the same object.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx2

from desktop.engine.credentials import Credentials
from desktop.engine.health import HealthBook
from desktop.providers.table import Endpoints
from desktop.store.settings import Settings
from desktop.store.state import StateStore

TaskName = Literal["chat", "image", "video", "speech", "embeddings"]
"""Our tabs. Each maps to one or more Hugging Face pipeline tags (:data:`PIPELINE_TAGS`)."""

TASKS: tuple[TaskName, ...] = ("chat", "image", "video", "speech", "embeddings")

OfferState = Literal["live", "test-only", "resting", "needs a key", "off"]

SORTS = ("trending", "likes", "downloads")


@dataclass(frozen=True)
class ProviderOffer:
    """One provider serving one model, as this user can use it right now.

    Attributes:
        provider: provider id ("groq") or a custom server's name.
        label: the name a person reads ("Groq").
        state: "live"; "test-only" (HF mapping status staging: used only when picked by name);
            "resting" (our breaker for it is open); "needs a key" (no HF token and no own
            key); "off" (switched off on the Providers page).
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
        pipeline_tag: Hugging Face's tag ("text-generation").
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
        note: one plain sentence for the user ("Offline: results from 3 hours ago").
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


class ModelDirectory:
    """Browse models per task from the Hub, the router and custom servers, cached on disk.

    ``cached`` never does I/O (memory + starter picks: type-ahead); ``search`` and ``show``
    go to the network, at most one request in flight per source, and fall back to the disk
    cache and then the starter picks when offline.
    """

    def __init__(
        self,
        client: httpx2.AsyncClient,
        endpoints: Endpoints,
        cache_dir: Path,
        *,
        settings: Callable[[], Settings],
        credentials: Credentials,
        health: HealthBook,
        picks: StateStore,
        executor: Executor | None = None,
        clock: Callable[[], float] | None = None,
        max_cache_bytes: int = 20 * 1024 * 1024,
    ) -> None:
        raise NotImplementedError

    def cached(self, task: TaskName, text: str = "", *, provider: str | None = None) -> ModelPage:
        """Instant: what memory and the starter picks know, for type-ahead. No I/O."""
        raise NotImplementedError

    async def search(
        self,
        task: TaskName,
        text: str = "",
        *,
        provider: str | None = None,
        sort: str = "trending",
        limit: int = 30,
    ) -> ModelPage:
        """Ask the sources; a newer search cancels an older one still in flight."""
        raise NotImplementedError

    async def show(self, model_id: str) -> ModelInfo | None:
        """One model with its offers; None when no source knows it."""
        raise NotImplementedError

    def check(
        self, model_id: str, task: TaskName, *, has_image: bool = False
    ) -> ModelWarning | None:
        """A warning from what is already known (cache + starter picks), or None. No I/O."""
        raise NotImplementedError

    def favourites(self, task: TaskName) -> list[Pick]:
        raise NotImplementedError

    def recents(self, task: TaskName) -> list[Pick]:
        raise NotImplementedError

    def toggle_favourite(self, task: TaskName, model_id: str) -> bool:
        """Add or remove a favourite; True when it is now a favourite. Saved at once."""
        raise NotImplementedError

    def note_used(self, task: TaskName, model_id: str, provider_policy: str = "auto") -> None:
        """Put the model first in the task's recents with the provider policy chosen."""
        raise NotImplementedError

    def provider_policy(self, model_id: str) -> str | None:
        """The provider policy last chosen for this model, or None."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Cancel requests and background refreshes still running."""
        raise NotImplementedError
