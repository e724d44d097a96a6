"""The ``switchboard`` command's grammar: every command, its options and their help.

Why in one module of its own, apart from the code that runs the commands: the parser is
needed by every command (and by ``--help``), while each command's implementation pulls in
what only it needs (the engine, the media types, the cost ledger…). Keeping the grammar here,
with nothing heavier than argparse at the top, lets ``switchboard --help`` and ``history``
start without importing the others (issue 8).

For the same reason :func:`build_parser` builds only what the command line it is given
needs: argparse makes a parser per command and looks up translations for each argument, a
few milliseconds ``history list`` has no use for, and two commands' options need modules
(the cost ledger, the model types) ``--help`` has no use for.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from desktop import __version__
from desktop.cli_styles import add_creative_arguments

REQUEST_COMMANDS = ("chat", "image", "transcribe", "speak", "embed", "video", "compare")
"""The commands that send requests, hence the ones ``--bill-to`` applies to."""

MEDIA_COMMANDS = ("image", "transcribe", "speak", "embed")

_PROVIDER_HELP = "auto, fastest, cheapest, a provider id, or a custom server's name"
_FORCE_HELP = "replace the file --out names (default: pick a free name)"


def terminal_columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size().columns`` gives it: ``COLUMNS``
    when it is a positive number, else the width of the terminal on ``sys.__stdout__``, else
    80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        size = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no stdout, closed, not a terminal
        return 80
    return size.columns or 80


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, as wide as the terminal without importing ``shutil``.

    Why: argparse's own formatter imports ``shutil`` (with ``bz2``, ``lzma``, ``zlib`` and
    ``fnmatch``, ≈ 1.5 ms) for the terminal's width, and ``add_argument`` makes a formatter
    for every argument, so even ``history list``, which prints no help, paid for it (issue 8).
    The width is the one argparse would use (:func:`terminal_columns` − 2), so help and usage
    read the same.
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        width = terminal_columns() - 2 if width is None else width
        super().__init__(prog, indent_increment, max_help_position, width)


class Parser(argparse.ArgumentParser):
    """An argument parser whose help uses :class:`HelpFormatter`; its subparsers are parsers
    of this class too (argparse makes them of the class of their parent)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``switchboard`` parser, every command with its options; or, given the ``argv`` it
    will read, only what reading it needs (issue 8).

    ``argv`` that starts with a command is read by that command's parser alone, so the others
    are left out; any other ``argv`` (``--help``, a mistyped command, nothing) stops at the
    top level, so the commands are there with their one-line help but without options.
    """
    parser = Parser(
        prog="switchboard",
        description="Switchboard: chat, make images and videos, transcribe speech and compute "
        "embeddings with hosted AI models across providers, with failover. Run without a "
        "command to open the window.",
    )
    parser.add_argument("--version", action="version", version=f"switchboard {__version__}")
    if argv and argv[0] in COMMANDS:
        # The metavar names every command although one is added, so the usage line of an
        # error ("unrecognized arguments") reads the same as with all of them.
        metavar = "{" + ",".join(COMMANDS) + "}"
        sub = parser.add_subparsers(dest="command", required=True, metavar=metavar)
        add_commands(sub, [argv[0]])
    else:
        sub = parser.add_subparsers(dest="command", required=True)
        add_commands(sub, COMMANDS, options=argv is None)
    return parser


def add_commands(
    sub: Any, names: Iterable[str], *, options: bool = True, bill_to: bool = True
) -> None:
    """Add the commands ``names`` to ``sub`` (an ``add_subparsers`` result), with their
    options unless ``options`` is false. ``bill_to``: whether the request commands take
    ``--bill-to`` (the standalone ``python -m desktop.cli_media`` has no billing)."""
    for name in names:
        help_text, fill = COMMANDS[name]
        parser = sub.add_parser(name, help=help_text)
        if not options:
            continue
        fill(parser)
        if bill_to and name in REQUEST_COMMANDS:
            parser.add_argument(
                "--bill-to",
                metavar="ORG",
                help="bill this Hugging Face organisation (requests through the HF router only)",
            )


# --- the commands -------------------------------------------------------------------------


def _chat(chat: argparse.ArgumentParser) -> None:
    chat.add_argument("prompt", help="the message ('-' reads it from standard input)")
    chat.add_argument("--model", required=True, help="a Hugging Face model id, e.g. owner/name")
    chat.add_argument(
        "--provider",
        default="auto",
        help="auto, fastest, cheapest, hf-auto (let Hugging Face choose), a provider id, "
        "or a custom server's name",
    )
    chat.add_argument("--system", help="a system prompt for a new conversation")
    chat.add_argument("--conversation", type=int, help="continue this conversation id")
    chat.add_argument("--json", action="store_true", help="print one JSON object at the end")


def _providers(providers: argparse.ArgumentParser) -> None:
    psub = providers.add_subparsers(dest="action", required=True)
    plist = psub.add_parser("list", help="providers in preference order")
    plist.add_argument("--json", action="store_true")
    porder = psub.add_parser("order", help="set the preference order")
    porder.add_argument("ids", nargs="+")
    pkey = psub.add_parser(
        "set-key", help="store a key from standard input in the keyring ('huggingface' = HF token)"
    )
    pkey.add_argument("id")
    pdel = psub.add_parser("delete-key", help="remove a stored key from the keyring")
    pdel.add_argument("id")
    padd = psub.add_parser("add-custom", help="add an OpenAI-compatible server")
    padd.add_argument("name")
    padd.add_argument("--url", required=True, help="base URL, e.g. http://localhost:11434/v1")
    padd.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="ALIAS=SERVED_NAME",
        help="a model name you pick and the name the server expects (repeatable)",
    )
    padd.add_argument("--needs-key", action="store_true", help="the server wants a key")
    prm = psub.add_parser("remove", help="remove a custom server")
    prm.add_argument("name")
    for name in ("enable", "disable"):
        p = psub.add_parser(name, help=f"{name} a provider")
        p.add_argument("id")


def _image(image: argparse.ArgumentParser) -> None:
    image.add_argument("prompt", help="what the picture should show ('-' reads standard input)")
    image.add_argument("--model", required=True, help="a Hugging Face model id, e.g. owner/name")
    image.add_argument("--provider", default="auto", help=_PROVIDER_HELP)
    image.add_argument("--out", help="where to save: a file for one picture, a folder for several")
    image.add_argument("--count", type=int, default=1, help="how many pictures (1-8)")
    image.add_argument("--seed", type=int, help="repeat a picture exactly (random if omitted)")
    image.add_argument("--width", type=int)
    image.add_argument("--height", type=int)
    image.add_argument("--steps", type=int, help="inference steps")
    image.add_argument("--guidance", type=float, help="guidance scale")
    image.add_argument("--negative", help="what the picture should not show")
    image.add_argument("--json", action="store_true", help="print one JSON object at the end")
    add_creative_arguments(image, strength=True)
    image.add_argument("--force", action="store_true", help=_FORCE_HELP)


def _transcribe(transcribe: argparse.ArgumentParser) -> None:
    transcribe.add_argument("audio", help="a WAV, MP3, FLAC, Ogg, M4A or WebM file")
    transcribe.add_argument("--model", required=True)
    transcribe.add_argument("--provider", default="auto", help=_PROVIDER_HELP)
    transcribe.add_argument(
        "--format",
        choices=("txt", "srt", "vtt"),
        default="txt",
        help="plain text, or subtitles with timestamps",
    )
    transcribe.add_argument("--json", action="store_true")


def _speak(speak: argparse.ArgumentParser) -> None:
    speak.add_argument("text", help="what to read ('-' reads standard input)")
    speak.add_argument("--model", required=True, help="a text-to-speech model id, e.g. owner/name")
    speak.add_argument("--provider", default="auto", help=_PROVIDER_HELP)
    speak.add_argument("--voice", help="a voice of the model (default: the model's own)")
    speak.add_argument(
        "--out",
        help="where to save the audio: a file or a folder (the provider's format is kept: "
        "WAV, MP3, Ogg or FLAC)",
    )
    speak.add_argument("--json", action="store_true", help="print one JSON object at the end")
    speak.add_argument("--force", action="store_true", help=_FORCE_HELP)


def _embed(embed: argparse.ArgumentParser) -> None:
    embed.add_argument("texts", nargs="+", metavar="TEXT")
    embed.add_argument("--model", required=True)
    embed.add_argument("--provider", default="auto", help=_PROVIDER_HELP)
    embed.add_argument("--json", action="store_true")


def _video(video: argparse.ArgumentParser) -> None:
    video.add_argument("prompt", nargs="?", help="what the video shows ('-' reads stdin)")
    video.add_argument("--model", help="a Hugging Face model id, e.g. Wan-AI/Wan2.1-T2V-14B")
    video.add_argument(
        "--provider",
        default="auto",
        help="auto, fastest, cheapest or a provider id (fal-ai, replicate, …)",
    )
    video.add_argument("--out", help="copy the video to this file, or into this folder")
    video.add_argument("--force", action="store_true", help=_FORCE_HELP)
    video.add_argument("--json", action="store_true", help="print one JSON object at the end")
    add_creative_arguments(video, strength=False)
    video.add_argument("--negative", help="what the video should not show")
    video.add_argument("--frames", type=int, help="number of frames")
    video.add_argument("--steps", type=int, help="inference steps")
    video.add_argument("--guidance", type=float, help="guidance scale")
    video.add_argument("--seed", type=int, help="a fixed seed (random when left out)")
    video.add_argument(
        "--resume",
        action="store_true",
        help="finish videos started earlier that are still at a provider (submits nothing)",
    )


def _compare(compare: argparse.ArgumentParser) -> None:
    compare.add_argument("prompt", help="the message ('-' reads it from standard input)")
    compare.add_argument(
        "--model",
        action="append",
        required=True,
        metavar="MODEL[@PROVIDER]",
        help="a pair to compare (2 to 4); without @PROVIDER the first in your order",
    )
    compare.add_argument("--system", help="a system prompt for every pair")
    compare.add_argument("--json", action="store_true", help="print one JSON object at the end")


def _costs(costs: argparse.ArgumentParser) -> None:
    from desktop.store.cost_ledger import GROUPINGS

    costs.add_argument(
        "--since", help="count from this day (YYYY-MM-DD); default: the first of this month"
    )
    costs.add_argument("--by", choices=GROUPINGS, default="provider", help="group the totals")
    costs.add_argument("--json", action="store_true", help="print one JSON object")


def _models(models: argparse.ArgumentParser) -> None:
    from desktop.engine.model_types import SORTS

    models.description = (
        "List models: switchboard models --task chat [--search TEXT]. "
        "Show one: switchboard models show OWNER/NAME."
    )
    models.add_argument(
        "action", nargs="*", metavar="show ID", help="'show' and a model id to show one model"
    )
    models.add_argument(
        "--task",
        help="chat, image, video, speech or embeddings (Hugging Face pipeline tags work too)",
    )
    models.add_argument("--search", default="", help="only models whose id contains this text")
    models.add_argument(
        "--provider", help="only models this provider serves; a custom server's name lists its own"
    )
    models.add_argument("--sort", choices=SORTS, default="trending")
    models.add_argument("--limit", type=int, default=30, help="at most this many (1-100)")
    models.add_argument("--json", action="store_true", help="print one JSON object")


def _about(about: argparse.ArgumentParser) -> None:
    about.add_argument("--json", action="store_true", help="print one JSON object")


def _history(history: argparse.ArgumentParser) -> None:
    hsub = history.add_subparsers(dest="action", required=True)
    hlist = hsub.add_parser("list")
    hlist.add_argument("--json", action="store_true")
    hsearch = hsub.add_parser("search")
    hsearch.add_argument("text")
    hsearch.add_argument("--json", action="store_true")
    hshow = hsub.add_parser("show")
    hshow.add_argument("id", type=int)
    hshow.add_argument("--json", action="store_true")
    hbackups = hsub.add_parser("backups", help="list the automatic backups of the history")
    hbackups.add_argument("--json", action="store_true")
    hrestore = hsub.add_parser(
        "restore", help="restore a backup (the current history is kept aside first)"
    )
    hrestore.add_argument("name", help="a name from 'switchboard history backups'")


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "chat": ("ask a model; the answer streams to stdout", _chat),
    "providers": ("list, order and configure providers", _providers),
    "image": ("make pictures from a description", _image),
    "transcribe": ("turn speech in an audio file into text", _transcribe),
    "speak": ("read text aloud into an audio file", _speak),
    "embed": ("compute embeddings of texts", _embed),
    "video": (
        "make a video from a prompt; progress on stderr, the file's path on stdout",
        _video,
    ),
    "compare": ("send one chat prompt to several models or providers, side by side", _compare),
    "costs": ("estimated spending: today, this month, totals", _costs),
    "models": (
        "list the models of a task with the providers that serve them, or show one",
        _models,
    ),
    "about": ("version, where your files are, the keyring in use, licences", _about),
    "history": ("list, search and show saved conversations", _history),
}
"""Every command in ``--help`` order: its one-line help and what adds its options."""
