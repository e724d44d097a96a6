"""An in-memory model directory with the real one's API, for browser tests.

Why a fake here: the browser's behaviour (what it shows while typing, how it supersedes
searches, what it does offline) must be checked with answers the test controls exactly,
including a search held open until the test releases it. The real directory is exercised
against the emulator in the engine tests and in the browser tests that use it directly.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from desktop.engine.model_directory import (
    ModelInfo,
    ModelPage,
    ModelWarning,
    Pick,
    ProviderOffer,
    TaskName,
)
from desktop.engine.model_tasks import wrong_task_text

GROQ_LIVE = ProviderOffer(
    "groq", "Groq", "live", 131072, 0.05, 0.08, first_token_ms=210, throughput=540
)
CEREBRAS_KEY = ProviderOffer("cerebras", "Cerebras", "needs a key", 8192, 0.1, 0.1)
FAL_LIVE = ProviderOffer("fal-ai", "fal", "live")
STAGING = ProviderOffer("nscale", "Nscale", "test-only")

LLAMA = ModelInfo(
    "meta-llama/Llama-3.1-8B-Instruct",
    "Llama 3.1 8B Instruct",
    "meta-llama",
    "chat",
    "text-generation",
    summary="fast drafts",
    likes=4800,
    downloads=5_200_000,
    trending=40,
    badges=frozenset({"starter", "uses tools"}),
    offers=(GROQ_LIVE, CEREBRAS_KEY),
)
QWEN_VL = ModelInfo(
    "Qwen/Qwen2.5-VL-7B-Instruct",
    "Qwen2.5 VL 7B Instruct",
    "Qwen",
    "chat",
    "image-text-to-text",
    summary="reads pictures and documents",
    likes=1200,
    downloads=2_000_000,
    trending=90,
    badges=frozenset({"reads images"}),
    offers=(GROQ_LIVE,),
)
GEMMA_FREE = ModelInfo(
    "google/gemma-2-2b-it",
    "Gemma 2 2B it",
    "google",
    "chat",
    "text-generation",
    likes=9000,
    downloads=300_000,
    trending=5,
    badges=frozenset({"free"}),
    offers=(ProviderOffer("groq", "Groq", "live", is_free=True),),
)
FLUX = ModelInfo(
    "black-forest-labs/FLUX.1-schnell",
    "FLUX.1 schnell",
    "black-forest-labs",
    "image",
    "text-to-image",
    summary="fast pictures in four steps",
    likes=4000,
    downloads=900_000,
    trending=60,
    badges=frozenset({"starter"}),
    offers=(FAL_LIVE,),
)
SDXL = ModelInfo(
    "stabilityai/stable-diffusion-xl-base-1.0",
    "Stable Diffusion XL",
    "stabilityai",
    "image",
    "text-to-image",
    summary="classic, many styles",
    likes=6500,
    downloads=2_500_000,
    trending=10,
    offers=(STAGING,),
)
WHISPER = ModelInfo(
    "openai/whisper-large-v3",
    "Whisper large v3",
    "openai",
    "speech",
    "automatic-speech-recognition",
    summary="99 languages",
    likes=4200,
    downloads=4_000_000,
    trending=20,
    badges=frozenset({"starter"}),
    offers=(FAL_LIVE,),
)

ALL: tuple[ModelInfo, ...] = (LLAMA, QWEN_VL, GEMMA_FREE, FLUX, SDXL, WHISPER)


def matches(model: ModelInfo, text: str, provider: str | None) -> bool:
    haystack = f"{model.id} {model.name} {model.author}".lower()
    if any(word not in haystack for word in text.lower().split()):
        return False
    return provider is None or any(o.provider == provider for o in model.offers)


@dataclass
class FakeDirectory:
    """``cached`` knows only the starter picks; ``search`` knows everything (when online).

    Attributes:
        online: False makes ``search`` answer from a 3-hour-old cache, marked stale.
        gate: when set, every ``search`` waits for it (a search "in flight").
        calls: the (task, text, provider, sort) of every search started.
        finished: searches that ran to the end (not superseded).
    """

    models: tuple[ModelInfo, ...] = ALL
    online: bool = True
    gate: asyncio.Event | None = None
    calls: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    finished: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    cancelled: int = 0
    favs: dict[str, list[str]] = field(default_factory=dict)
    recent: dict[str, list[Pick]] = field(default_factory=dict)
    policies: dict[str, str] = field(default_factory=dict)

    def cached(self, task: TaskName, text: str = "", *, provider: str | None = None) -> ModelPage:
        found = tuple(
            m
            for m in self.models
            if m.task == task and "starter" in m.badges and matches(m, text, provider)
        )
        return ModelPage(found, fetched_at=None, stale=False)

    async def search(
        self,
        task: TaskName,
        text: str = "",
        *,
        provider: str | None = None,
        sort: str = "trending",
        limit: int = 30,
    ) -> ModelPage:
        key = (task, text, provider, sort)
        self.calls.append(key)
        try:
            if self.gate is not None:
                await self.gate.wait()
            else:
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        found = tuple(m for m in self.models if m.task == task and matches(m, text, provider))
        self.finished.append(key)
        if not self.online:
            return ModelPage(
                found,
                fetched_at=time.time() - 3 * 3600,
                stale=True,
                note="Offline: showing results from 3 hours ago.",
            )
        return ModelPage(found[:limit], fetched_at=time.time(), stale=False)

    async def show(self, model_id: str) -> ModelInfo | None:
        return next((m for m in self.models if m.id == model_id), None)

    def check(
        self, model_id: str, task: TaskName, *, has_image: bool = False
    ) -> ModelWarning | None:
        model = next((m for m in self.models if m.id == model_id), None)
        if model is None:
            close = tuple(m.id for m in self.models if m.id.lower()[:8] == model_id.lower()[:8])
            return ModelWarning("unknown", f"There is no model called {model_id}.", close)
        if model.task != task and model.task is not None:
            return ModelWarning(
                "wrong-task", wrong_task_text(model.task, task), fits_task=model.task
            )
        if has_image and "reads images" not in model.badges:
            return ModelWarning("no-vision", "This model does not read images.")
        return None

    def favourites(self, task: TaskName) -> list[Pick]:
        return [Pick(i) for i in self.favs.get(task, [])]

    def recents(self, task: TaskName) -> list[Pick]:
        return list(self.recent.get(task, []))

    def toggle_favourite(self, task: TaskName, model_id: str) -> bool:
        ids = self.favs.setdefault(task, [])
        if model_id in ids:
            ids.remove(model_id)
            return False
        ids.append(model_id)
        return True

    def note_used(self, task: TaskName, model_id: str, provider_policy: str = "auto") -> None:
        picks = [p for p in self.recent.get(task, []) if p.model_id != model_id]
        self.recent[task] = [Pick(model_id, provider_policy), *picks]
        self.policies[model_id] = provider_policy

    def provider_policy(self, model_id: str) -> str | None:
        return self.policies.get(model_id)

    async def aclose(self) -> None:
        return None
