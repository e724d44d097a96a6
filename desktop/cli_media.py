"""``switchboard image|transcribe|speak|embed``: the media tabs on the command line.

Same engine, history and media store as the window, so everything made here shows up in the
Library. Conventions are those of :mod:`desktop.cli`: the result on stdout (file paths, the
transcript, the similarity matrix), routing news on stderr, one line ``switchboard: …`` on
failure, exit 0 on success and 1 otherwise; ``--json`` prints one object with the routing
trace instead.

``desktop/cli.py`` wires this in with :func:`run` (the options are in
:mod:`desktop.cli_grammar`); ``python -m desktop.cli_media …`` runs these commands alone (the
tests use that).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.cli_grammar import MEDIA_COMMANDS, add_commands
from desktop.cli_text import json_text
from desktop.core.errors import SwitchboardError
from desktop.core.media_types import (
    EmbedRequest,
    ImageRequest,
    MediaResult,
    PartProgress,
    SpeakRequest,
    TranscribeRequest,
)
from desktop.core.table import provider_label
from desktop.core.trace import AttemptRecord, Outcome
from desktop.core.vocab import Status
from desktop.store.atomic import SHARED_MODE, atomic_copy, atomic_write_bytes
from desktop.store.free_names import claim

if TYPE_CHECKING:  # the command line imports what a command needs when it runs (issue 8)
    from desktop.services import Services

EXIT_FAILED = 1
COMMANDS = MEDIA_COMMANDS
_PILLOW_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


class MediaCliError(SwitchboardError):
    """A one-line error of these commands (bad arguments, an unwritable --out)."""


async def run(services: Services, args: argparse.Namespace) -> int:
    """Run one of :data:`COMMANDS`; returns the exit code (errors are printed here)."""
    try:
        if args.command == "image":
            return await _image(services, args)
        if args.command == "transcribe":
            return await _transcribe(services, args)
        if args.command == "speak":
            return await _speak(services, args)
        if args.command == "embed":
            return await _embed(services, args)
    except SwitchboardError as exc:
        print(f"switchboard: {exc}", file=sys.stderr)
        return EXIT_FAILED
    raise MediaCliError(f"unknown command {args.command!r}.")


# --- shared ---------------------------------------------------------------------------------


def _attempt_notice(quiet: bool) -> Any:
    def heard(record: AttemptRecord) -> None:
        if quiet or record.outcome in ("", Outcome.OK, Outcome.CANCELLED):
            return
        print(f"[{record.short()} — trying the next provider]", file=sys.stderr, flush=True)

    return heard


def _part_notice(quiet: bool) -> Any:
    """``[part 2 of 5 …]`` on stderr while a long recording is transcribed in parts."""

    def heard(progress: PartProgress) -> None:
        if quiet:
            return
        if progress.done >= progress.total:
            print(f"[all {progress.total} parts transcribed]", file=sys.stderr, flush=True)
            return
        minutes, seconds = divmod(int(progress.offset_s), 60)
        print(
            f"[part {progress.done + 1} of {progress.total}, from {minutes}:{seconds:02d}…]",
            file=sys.stderr,
            flush=True,
        )

    return heard


def _finish(result: MediaResult, args: argparse.Namespace, extra: dict[str, Any]) -> int:
    """The JSON object (with ``--json``) and the exit code; the error line otherwise."""
    if args.json:
        print(json_text(result.to_dict() | extra))
    elif result.error:
        print(f"switchboard: {result.error}", file=sys.stderr)
    return 0 if result.status == Status.COMPLETE else EXIT_FAILED


def _via(result: MediaResult) -> str:
    seconds = f" · {result.duration_ms / 1000:.1f} s" if result.duration_ms is not None else ""
    return f"via {provider_label(result.provider or '')}{seconds} · {result.cost.short()}"


# --- image ----------------------------------------------------------------------------------


def _targets(out: str, count: int, files: Sequence[Any]) -> list[Path]:
    """Where each picture goes: ``out`` itself for one picture (inside it if it is a
    folder), ``out/image-<n>.<ext>`` for several."""
    base = Path(out).expanduser()
    if count == 1 and not base.is_dir():
        return [base]
    return [base / f"image-{i}{Path(f.path).suffix}" for i, f in enumerate(files, 1)]


def _copy_as(source: Path, target: Path) -> None:
    """Blocking: copy, converting when the target's suffix asks for another image format."""
    wanted = _PILLOW_FORMATS.get(target.suffix.lower())
    have = _PILLOW_FORMATS.get(source.suffix.lower())
    if wanted is None or wanted == have:
        atomic_copy(source, target)
        return
    from PIL import Image

    with Image.open(source) as img:
        out = io.BytesIO()
        (img.convert("RGB") if wanted == "JPEG" else img).save(out, wanted)
    atomic_write_bytes(target, out.getvalue(), mode=SHARED_MODE)


async def _image(services: Services, args: argparse.Namespace) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    request = ImageRequest(
        model=args.model,
        prompt=prompt.strip(),
        negative_prompt=args.negative,
        width=args.width,
        height=args.height,
        steps=args.steps,
        guidance=args.guidance,
        seed=args.seed,
        count=args.count,
        provider=args.provider,
        source_path=args.source,
        strength=args.strength,
        loras=list(args.lora),
    )
    if args.strength is not None and not args.source:
        raise MediaCliError("--strength needs --from PICTURE (the picture to change).")
    result = await services.images.generate(request, on_attempt=_attempt_notice(args.json))
    saved: list[str] = []
    if result.files and args.out:
        targets = _targets(args.out, request.count, result.files)
        try:
            for source, target in zip(result.files, targets, strict=True):
                actual = await services.run_blocking(partial(claim, target, force=args.force))
                await services.run_blocking(_copy_as, Path(source.path), actual)
                saved.append(str(actual))
                if actual != target and not args.json:
                    print(
                        f"[{target.name} already exists; saved as {actual.name} "
                        "(--force replaces it)]",
                        file=sys.stderr,
                    )
        except OSError as exc:
            raise MediaCliError(f"could not save to {args.out}: {exc.strerror or exc}.") from exc
    if not args.json and result.files:
        for path in saved or [f.path for f in result.files]:
            print(path)
        seeds = ", ".join(str(f.seed) for f in result.files)
        print(f"[{_via(result)} · seed {seeds}]", file=sys.stderr)
    return _finish(result, args, {"saved": saved})


# --- transcribe -----------------------------------------------------------------------------


async def _transcribe(services: Services, args: argparse.Namespace) -> int:
    from desktop.engine.transcripts import to_srt, to_txt, to_vtt

    request = TranscribeRequest(model=args.model, audio_path=args.audio, provider=args.provider)
    result = await services.speech.transcribe(
        request, on_attempt=_attempt_notice(args.json), on_part=_part_notice(args.json)
    )
    duration = result.files[0].duration_s if result.files else None
    if result.status == Status.COMPLETE:
        text = result.text or ""
        if args.format == "srt":
            formatted = to_srt(result.chunks, text, duration)
        elif args.format == "vtt":
            formatted = to_vtt(result.chunks, text, duration)
        else:
            formatted = to_txt(text, result.chunks)
        if not args.json:
            sys.stdout.write(formatted)
            print(f"[{_via(result)}]", file=sys.stderr)
        return _finish(result, args, {"formatted": formatted, "format": args.format})
    return _finish(result, args, {})


# --- speak ----------------------------------------------------------------------------------


def _audio_target(out: str, made: Path) -> Path:
    """Where the audio goes: inside ``out`` when it is a folder, else ``out`` with the suffix
    of the format the provider gave (the audio is kept as it is, never converted)."""
    base = Path(out).expanduser()
    if base.is_dir():
        return base / f"speech{made.suffix}"
    return base.with_suffix(made.suffix)


async def _speak(services: Services, args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    request = SpeakRequest(
        model=args.model, text=text.strip(), voice=args.voice, provider=args.provider
    )
    result = await services.speak.speak(request, on_attempt=_attempt_notice(args.json))
    saved: list[str] = []
    if result.files and args.out:
        made = Path(result.files[0].path)
        target = _audio_target(args.out, made)
        try:
            actual = await services.run_blocking(partial(claim, target, force=args.force))
            await services.run_blocking(atomic_copy, made, actual)
        except OSError as exc:
            raise MediaCliError(f"could not save to {args.out}: {exc.strerror or exc}.") from exc
        saved.append(str(actual))
        if not args.json:
            if Path(args.out).suffix and target.suffix != Path(args.out).suffix.lower():
                print(
                    f"[the provider gave {made.suffix[1:].upper()}; saved as {actual.name}]",
                    file=sys.stderr,
                )
            elif actual != target:
                print(
                    f"[{target.name} already exists; saved as {actual.name} (--force replaces it)]",
                    file=sys.stderr,
                )
    if not args.json and result.files:
        print(saved[0] if saved else result.files[0].path)
        voice = f" · voice {request.voice}" if request.voice else ""
        print(f"[{_via(result)}{voice}]", file=sys.stderr)
    return _finish(result, args, {"saved": saved})


# --- embed ----------------------------------------------------------------------------------


def _matrix_text(texts: Sequence[str], matrix: Sequence[Sequence[float]]) -> str:
    """The cosine similarity matrix as a small table: one row per text, its label last."""
    width = len(str(len(texts)))
    head = " " * (width + 2) + " ".join(f"{i:>6}" for i in range(1, len(texts) + 1))
    rows = [head]
    for i, (text, row) in enumerate(zip(texts, matrix, strict=True), 1):
        label = text if len(text) <= 40 else text[:39] + "…"
        rows.append(f"{i:>{width}}  " + " ".join(f"{v:6.3f}" for v in row) + f"  {label}")
    return "\n".join(rows) + "\n"


async def _embed(services: Services, args: argparse.Namespace) -> int:
    from desktop.engine.vectors import cosine_matrix

    request = EmbedRequest(model=args.model, texts=list(args.texts), provider=args.provider)
    result = await services.embeddings.embed(request, on_attempt=_attempt_notice(args.json))
    if result.status == Status.COMPLETE and result.vectors and not args.json:
        matrix = await services.run_blocking(cosine_matrix, result.vectors)
        sys.stdout.write(_matrix_text(request.texts, matrix))
        dims = len(result.vectors[0])
        print(
            f"[{len(result.vectors)} vectors × {dims} dimensions {_via(result)}]", file=sys.stderr
        )
    return _finish(result, args, {})


# --- alone ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchboard", description="Switchboard media tasks.")
    add_commands(parser.add_subparsers(dest="command", required=True), COMMANDS, bill_to=False)
    return parser


async def _main(args: argparse.Namespace) -> int:
    from desktop.services import Services

    services = await Services.open()
    try:
        return await run(services, args)
    finally:
        await services.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    import asyncio

    try:
        return asyncio.run(_main(args))
    except SwitchboardError as exc:
        print(f"switchboard: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("switchboard: stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
