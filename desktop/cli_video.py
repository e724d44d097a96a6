"""``switchboard video``: make a video from the command line, same engine, jobs and library.

``switchboard video --model M [--provider P] [--out PATH] [--json] "prompt"`` submits one
video job, shows its progress on stderr (status, queue position, elapsed time) and prints the
video's path on stdout; ``--json`` prints one object with the routing trace instead.
``switchboard video --resume`` finishes jobs an earlier run left at a provider (the app was
closed or the command killed mid-job): it polls them, never submits anything.

Ctrl+C cancels the job at the provider. :mod:`desktop.cli` runs :func:`run`; the options are
in :mod:`desktop.cli_grammar`.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from desktop.cli_text import json_text
from desktop.core.errors import SwitchboardError
from desktop.core.media_types import JobProgress, MediaResult, VideoRequest
from desktop.core.table import provider_label
from desktop.core.trace import AttemptRecord, Outcome
from desktop.core.vocab import Status
from desktop.store.atomic import atomic_copy
from desktop.store.free_names import claim

if TYPE_CHECKING:  # the command line imports what a command needs when it runs (issue 8)
    from desktop.services import Services

EXIT_FAILED = 1
EXIT_USAGE = 2

_WORDS = {
    "submitting": "submitting",
    "queued": "in the queue",
    "running": "making the video",
    "downloading": "downloading",
    "done": "done",
    "failed": "failed",
    "cancelled": "cancelled",
}


def elapsed_text(seconds: float) -> str:
    """``42 s`` / ``3 min 05 s``."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60:02d} s"


def progress_line(progress: JobProgress) -> str:
    """``fal · in the queue (position 3) · 12 s``."""
    parts = []
    if progress.provider:
        parts.append(provider_label(progress.provider))
    word = _WORDS.get(progress.status, progress.status)
    if progress.queue_position is not None:
        word += f" (position {progress.queue_position})"
    parts.append(word)
    parts.append(elapsed_text(progress.elapsed_s))
    return " · ".join(parts)


class _Reporter:
    """Progress and failovers to stderr; one line per change (rewritten in place on a TTY)."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.tty = err.isatty()
        self._width = 0

    def progress(self, progress: JobProgress) -> None:
        line = f"[{progress_line(progress)}]"
        if self.tty:
            pad = max(0, self._width - len(line))
            self.err.write("\r" + line + " " * pad)
            self._width = len(line)
            if progress.status in ("done", "failed", "cancelled"):
                self.err.write("\n")
                self._width = 0
        else:
            self.err.write(line + "\n")
        self.err.flush()

    def attempt(self, record: AttemptRecord) -> None:
        if record.outcome in ("", Outcome.OK, Outcome.CANCELLED):
            return
        self.progress_break()
        self.err.write(f"[{record.short()} — trying the next provider]\n")
        self.err.flush()

    def progress_break(self) -> None:
        if self.tty and self._width:
            self.err.write("\n")
            self._width = 0


def _usage(message: str) -> int:
    print(f"switchboard: {message}", file=sys.stderr)
    return EXIT_USAGE


async def run(services: Services, args: argparse.Namespace) -> int:
    """Run ``switchboard video``; returns the exit code."""
    if args.resume:
        return await _resume(services, args)
    prompt = sys.stdin.read() if args.prompt == "-" else (args.prompt or "")
    if not prompt.strip():
        return _usage('give the video\'s prompt, e.g. switchboard video --model M "a fox".')
    if not args.model:
        return _usage("--model is required (a Hugging Face model id).")
    reporter = _Reporter(sys.stderr)
    request = VideoRequest(
        model=args.model,
        prompt=prompt.strip(),
        negative_prompt=args.negative,
        num_frames=args.frames,
        steps=args.steps,
        guidance=args.guidance,
        seed=args.seed,
        provider=args.provider,
        source_path=args.source,
        loras=list(args.lora),
    )
    result = await services.video.generate(
        request, on_progress=reporter.progress, on_attempt=reporter.attempt
    )
    out = await _copy_out(services, [result], args.out, force=args.force)
    if args.json:
        payload = result.to_dict() | {"out": out[0] if out else None}
        print(json_text(payload))
    else:
        _print_result(result, out[0] if out else None)
    return 0 if result.status == Status.COMPLETE else EXIT_FAILED


async def _resume(services: Services, args: argparse.Namespace) -> int:
    if args.prompt:
        return _usage("--resume finishes earlier jobs; it takes no prompt.")
    if services.jobs_problem:
        raise SwitchboardError(services.jobs_problem)
    reporter = _Reporter(sys.stderr)
    results = await services.video.resume_pending(on_progress=reporter.progress)
    out = await _copy_out(services, results, args.out, force=args.force)
    if args.json:
        results_json = [r.to_dict() | {"out": path} for r, path in zip(results, out, strict=False)]
        print(json_text({"results": results_json}))
    elif not results:
        print("No unfinished video jobs.", file=sys.stderr)
    for i, result in enumerate(results):
        if not args.json:
            _print_result(result, out[i] if i < len(out) else None)
    return 0 if all(r.status == Status.COMPLETE for r in results) else EXIT_FAILED


def _print_result(result: MediaResult, out: str | None) -> None:
    if result.status == Status.COMPLETE and result.files:
        print(out or result.files[0].path)
        seconds = (result.duration_ms or 0.0) / 1000
        who = provider_label(result.provider or "")
        print(f"[via {who} · {elapsed_text(seconds)} · {result.cost.short()}]", file=sys.stderr)
    elif result.error:
        print(f"switchboard: {result.error}", file=sys.stderr)


async def _copy_out(
    services: Services, results: list[MediaResult], out: str | None, *, force: bool = False
) -> list[str | None]:
    """Copy finished videos to ``out`` (a file, or a folder for several); returns the paths."""
    done = [r for r in results if r.status == Status.COMPLETE and r.files]
    if out is None or not done:
        return [None for _ in results]
    target = Path(out)
    is_dir = await services.run_blocking(target.is_dir)
    folder = is_dir or len(done) > 1 or out.endswith(("/", "\\"))
    paths: list[str | None] = []
    for result in results:
        if result not in done:
            paths.append(None)
            continue
        source = Path(result.files[0].path)
        dest = (
            target / f"video-{result.job_id or source.stem[:12]}{source.suffix}"
            if folder
            else target
        )
        actual = await services.run_blocking(partial(claim, dest, force=force))
        await services.run_blocking(_copy, source, actual)
        paths.append(str(actual))
        if actual != dest:
            print(
                f"[{dest.name} already exists; saved as {actual.name} (--force replaces it)]",
                file=sys.stderr,
            )
    return paths


def _copy(source: Path, dest: Path) -> None:
    atomic_copy(source, dest)
