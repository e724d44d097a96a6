"""The inputs of "change a picture", "animate a picture" and styles, checked before routing.

Why one place: the Images and Video services, the tabs and the command line must refuse the
same bad inputs with the same sentence, and refuse them *before* any provider is called: a
start picture that is not a picture (or a decompression bomb), a style repo that is not a LoRA
adapter of the chosen model. The start picture is also kept in the media store so the library
row can show and reuse it later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from desktop.core.errors import SwitchboardError
from desktop.core.media_types import LoraChoice, SourceImage
from desktop.engine.router import Engine
from desktop.engine.source_picture import load_source
from desktop.providers.mime import suffix_for
from desktop.store.media import MediaStore

MAX_STYLES = 4
"""fal applies up to a handful of LoRAs; more than four is almost surely a mistake."""


@dataclass
class Prepared:
    """A checked start picture (and where the library keeps it) and completed styles."""

    source: SourceImage | None = None
    source_file: str | None = None
    loras: list[LoraChoice] | None = None


def _load_and_keep(path: str, media: MediaStore) -> tuple[SourceImage, str]:
    """Blocking: read and check the picture, then keep a copy in the media store."""
    source = load_source(path)
    kept = media.put(source.data, suffix_for(source.mime))
    return source, str(kept)


def style_problem(loras: Sequence[LoraChoice]) -> str | None:
    """A sentence when the styles as given cannot be right (before asking the Hub)."""
    if len(loras) > MAX_STYLES:
        return f"Use at most {MAX_STYLES} styles at a time."
    seen: set[str] = set()
    for choice in loras:
        if choice.repo.count("/") != 1 or not all(choice.repo.split("/")):
            return f"{choice.repo!r} is not a Hub repo name (owner/name)."
        if choice.repo.lower() in seen:
            return f"{choice.repo} is chosen twice."
        seen.add(choice.repo.lower())
        if not -4.0 <= choice.weight <= 4.0:
            return f"The weight of {choice.repo} must be between -4 and 4."
    return None


async def prepare(
    engine: Engine,
    media: MediaStore,
    executor: Executor | None,
    *,
    model: str,
    source_path: str | None,
    loras: Sequence[LoraChoice],
) -> Prepared:
    """Check and complete the inputs; raises :class:`SwitchboardError` with one sentence."""
    prepared = Prepared()
    if loras:
        problem = style_problem(loras)
        if problem is not None:
            raise SwitchboardError(problem)
    if source_path:
        loop = asyncio.get_running_loop()
        prepared.source, prepared.source_file = await loop.run_in_executor(
            executor, _load_and_keep, source_path, media
        )
    if loras:
        prepared.loras = list(await asyncio.gather(*(engine.styles.check(c, model) for c in loras)))
    return prepared


def style_params(loras: Sequence[LoraChoice]) -> list[dict[str, object]]:
    """What the library keeps of the styles ("reuse settings" sends them again)."""
    return [{"repo": c.repo, "weight": c.weight} for c in loras]
