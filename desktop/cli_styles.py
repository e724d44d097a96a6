"""``--from``, ``--strength`` and ``--lora`` for ``switchboard image`` and ``switchboard video``.

Shared by both commands so a style is written the same way everywhere: ``--lora REPO`` or
``--lora REPO:WEIGHT`` (weight 1.0 when left out), repeatable. Whether the repo really is a
style for the chosen model is checked by the engine, against the Hub, before anything is sent.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when ``--lora`` is read: the grammar stays light (issue 8)
    from desktop.core.media_types import LoraChoice


def lora_argument(text: str) -> LoraChoice:
    """``owner/name`` or ``owner/name:0.8`` as a :class:`LoraChoice` (argparse type)."""
    from desktop.core.media_types import LoraChoice

    repo, sep, weight = text.rpartition(":") if ":" in text else (text, "", "")
    if not sep:
        repo = text
    if not repo or repo.count("/") != 1 or not all(repo.split("/")):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a style: write the Hub repo as owner/name, optionally :WEIGHT"
        )
    if not sep:
        return LoraChoice(repo)
    try:
        return LoraChoice(repo, float(weight))
    except ValueError:
        raise argparse.ArgumentTypeError(f"the weight in {text!r} is not a number") from None


def add_creative_arguments(parser: Any, *, strength: bool) -> None:
    """Add ``--from`` (and ``--strength``) and ``--lora`` to an ``image`` or ``video`` parser."""
    verb = "change" if strength else "animate"
    parser.add_argument(
        "--from",
        dest="source",
        metavar="PICTURE",
        help=f"{verb} this picture (PNG, JPEG, WebP or GIF) instead of starting from nothing",
    )
    if strength:
        parser.add_argument(
            "--strength",
            type=float,
            help="with --from: how far the result may move from the picture (0-1)",
        )
    parser.add_argument(
        "--lora",
        action="append",
        type=lora_argument,
        default=[],
        metavar="REPO[:WEIGHT]",
        help="apply a style (a LoRA adapter of the model on the Hub); repeatable",
    )
