"""Styles (LoRA adapters) on the Hub: listing the adapters of a base model and checking one.

Wire facts (Hub API): ``GET {hub}/api/models?filter=base_model:adapter:{base}`` lists the repos
whose card declares them an adapter of ``base`` (the Hub turns ``base_model`` plus
``base_model_relation: adapter`` into that tag); ``search`` narrows by name, ``expand[]=cardData``
adds the card's metadata. ``GET {hub}/api/models/{repo}`` answers ``tags``, ``cardData`` and
``siblings`` (the repo's files). From the card: ``instance_prompt`` is the trigger word
diffusers' LoRA trainers write, ``widget`` holds the example pictures (``text`` is their title).

fal takes a LoRA as the URL of its weights file
(``https://huggingface.co/{repo}/resolve/main/{file}``, providers.md §3.3), so checking an
adapter also finds its ``.safetensors`` file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx2

from desktop.core.errors import SwitchboardError
from desktop.core.media_types import LoraChoice

TIMEOUT = httpx2.Timeout(10.0, connect=5.0)
HUB_WEB = "https://huggingface.co"
"""Where providers download adapter weights from: the public Hub, whatever ``HF_ENDPOINT`` is."""


class AdapterProblem(SwitchboardError):
    """A style cannot be used with the chosen model; nothing was sent."""


class HubUnreachable(AdapterProblem):
    """The Hub could not answer (network, its own trouble): a cached answer may stand in."""


@dataclass(frozen=True)
class AdapterInfo:
    """One LoRA adapter as the Hub describes it."""

    repo: str
    base_models: tuple[str, ...] = ()
    trigger: str | None = None
    examples: tuple[str, ...] = field(default=())
    """Titles of the example pictures on its card."""
    weights_file: str | None = None
    downloads: int = 0

    def adapts(self, base: str) -> bool:
        return base.lower() in (b.lower() for b in self.base_models)


def adapter_tag(base: str) -> str:
    return f"base_model:adapter:{base}"


def _card_text(card: Any) -> tuple[str | None, tuple[str, ...]]:
    if not isinstance(card, dict):
        return None, ()
    trigger = card.get("instance_prompt")
    if not isinstance(trigger, str) or not trigger.strip():
        words = card.get("trigger_words") or card.get("trigger")
        trigger = (
            ", ".join(w for w in words if isinstance(w, str))
            if isinstance(words, list)
            else words
            if isinstance(words, str)
            else None
        )
    widget = card.get("widget")
    titles: list[str] = []
    if isinstance(widget, list):
        for item in widget:
            text = item.get("text") if isinstance(item, dict) else None
            if isinstance(text, str) and text.strip():
                titles.append(text.strip().splitlines()[0][:120])
    return (trigger.strip() if isinstance(trigger, str) and trigger.strip() else None), tuple(
        titles
    )


def parse_adapter(item: Any) -> AdapterInfo | None:
    """One Hub model answer as an :class:`AdapterInfo` (None when it is not a model)."""
    if not isinstance(item, dict):
        return None
    repo = item.get("id") or item.get("modelId")
    if not isinstance(repo, str) or not repo:
        return None
    tags = [t for t in item.get("tags") or [] if isinstance(t, str)]
    prefix = adapter_tag("")
    bases = tuple(t.removeprefix(prefix) for t in tags if t.startswith(prefix))
    trigger, examples = _card_text(item.get("cardData"))
    files = [
        s.get("rfilename")
        for s in item.get("siblings") or []
        if isinstance(s, dict) and isinstance(s.get("rfilename"), str)
    ]
    weights = sorted(
        (f for f in files if isinstance(f, str) and f.endswith(".safetensors")),
        key=lambda f: (f.count("/"), len(f)),
    )
    downloads = item.get("downloads")
    return AdapterInfo(
        repo,
        bases,
        trigger,
        examples,
        weights[0] if weights else None,
        downloads if isinstance(downloads, int) else 0,
    )


async def search_adapters(
    client: httpx2.AsyncClient,
    hub: str,
    base: str,
    text: str = "",
    *,
    token: str | None = None,
    limit: int = 30,
) -> list[AdapterInfo]:
    """The LoRA adapters of ``base`` on the Hub, most downloaded first."""
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("filter", adapter_tag(base)),
        ("sort", "downloads"),
        ("direction", "-1"),
        ("limit", str(limit)),
        ("expand[]", "cardData"),
        ("expand[]", "tags"),
        ("expand[]", "downloads"),
    ]
    if text.strip():
        params.insert(0, ("search", text.strip()))
    answer = await _get(client, f"{hub.rstrip('/')}/api/models", params, token)
    if not isinstance(answer, list):
        raise AdapterProblem("The Hub's list of styles was not readable; try again later.")
    found = [parse_adapter(item) for item in answer]
    return [a for a in found if a is not None]


async def fetch_adapter(
    client: httpx2.AsyncClient, hub: str, repo: str, *, token: str | None = None
) -> AdapterInfo:
    """What the Hub says about ``repo`` (its card, tags and files), or :class:`AdapterProblem`
    when it is missing or unreadable."""
    url = f"{hub.rstrip('/')}/api/models/{quote(repo, safe='/')}"
    info = parse_adapter(await _get(client, url, [], token, missing=repo))
    if info is None:
        raise AdapterProblem(f"The Hub said nothing readable about {repo}.")
    return info


def checked_choice(info: AdapterInfo, choice: LoraChoice, base: str) -> LoraChoice:
    """``choice`` completed from ``info`` (weights file, trigger word), or
    :class:`AdapterProblem` when it is not a LoRA adapter of ``base``."""
    if not info.adapts(base):
        raise AdapterProblem(
            f"{choice.repo} is not a style (LoRA adapter) for {base}; pick one made for it."
        )
    if info.weights_file is None:
        raise AdapterProblem(f"{choice.repo} has no .safetensors weights a provider could load.")
    return LoraChoice(
        choice.repo, choice.weight, choice.weights_file or info.weights_file, info.trigger
    )


def weights_url(choice: LoraChoice) -> str:
    """The adapter's weights on the public Hub (fal's ``loras[].path``)."""
    file = choice.weights_file or ""
    return f"{HUB_WEB}/{choice.repo}/resolve/main/{quote(file, safe='/')}"


def repo_url(choice: LoraChoice) -> str:
    """The adapter's repo on the public Hub (Replicate's ``lora_weights``)."""
    return f"{HUB_WEB}/{choice.repo}"


async def _get(
    client: httpx2.AsyncClient,
    url: str,
    params: list[tuple[str, str | int | float | bool | None]],
    token: str | None,
    *,
    missing: str | None = None,
) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    try:
        response = await client.get(url, params=params, headers=headers, timeout=TIMEOUT)
    except httpx2.HTTPError as exc:
        raise HubUnreachable("The Hub could not be reached to look up styles.") from exc
    if response.status_code in (401, 404) and missing is not None:
        raise AdapterProblem(f"There is no model {missing} on the Hub (or it is private).")
    if response.status_code == 429 or response.status_code >= 500:
        raise HubUnreachable("The Hub is busy and could not look up styles; try again soon.")
    if response.status_code >= 400:
        raise AdapterProblem(
            "The Hub refused to look up styles; check your Hugging Face token on the Providers "
            "page."
        )
    try:
        return response.json()
    except ValueError as exc:
        raise AdapterProblem("The Hub's answer about styles was not readable.") from exc
