"""``switchboard COMMAND …``: parse the command line, run the command, turn errors into one line.

Every command exits 0 on success and non-zero with one line on stderr otherwise; ``--json``
prints one machine-readable object (the routing trace included) and nothing else on stdout.
The commands are in their own modules (``cli_chat``, ``cli_providers``, ``cli_history``,
``cli_media`` …) and the grammar in :mod:`desktop.cli_grammar`.

Each command imports only what it needs (issue 8): this module imports none of them until
one runs, so ``--help`` and ``history`` never load the HTTP stack, the engine, Pillow, Qt or
the other commands, and ``history list|search|show`` opens only the history database.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop.cli_grammar import MEDIA_COMMANDS, build_parser
from desktop.cli_text import InertWriter
from desktop.core.errors import SwitchboardError

if TYPE_CHECKING:  # the command line imports what a command needs when it runs (issue 8)
    import argparse

    from desktop.services import Services

EXIT_FAILED = 1


def main(argv: Sequence[str] | None = None) -> int:
    gc.disable()  # see _quick_exit: on again below for every command but the quick ones
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(words).parse_args(words)
    except SystemExit:  # --help, --version or a usage error: printed, the process ends
        _quick_exit()
        raise
    history_only = args.command == "history" and args.action not in ("backups", "restore")
    if not history_only:
        gc.enable()  # the others can run for long (a chat, a video) and make real garbage
    if history_only:
        from desktop import cli_history  # first: whether it loaded logging matters below
    if not history_only or "logging" in sys.modules or os.environ.get("SWITCHBOARD_DEBUG"):
        _configure_logging()
    out, err = InertWriter(sys.stdout), InertWriter(sys.stderr)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        if args.command == "about":  # no services needed: it must work on a broken install
            from desktop import cli_about

            return cli_about.run(args)
        if history_only:
            return cli_history.run_local(args)
        import asyncio

        return asyncio.run(_run(args))
    except SwitchboardError as exc:  # command errors, SettingsError, store errors
        print(f"switchboard: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        line = _expected_failure(exc)
        if line is None:
            raise
        print(f"switchboard: {line}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("switchboard: stopped.", file=sys.stderr)
        return 130
    finally:
        out.finish()
        err.finish()
        sys.stdout, sys.stderr = saved
        if history_only:
            _quick_exit()


def _quick_exit() -> None:
    """Let a quick command's process end without the garbage collector's passes.

    ``--help`` and the history commands run for a few tens of milliseconds and make no
    garbage worth collecting; the collector would still walk every object the imports made,
    during the imports and once more as the interpreter exits, a tenth of their run (issue 8).
    So :func:`main` turns it off at once, and this freezes what exists, which the exit's
    last collection then leaves alone. The interpreter still exits normally (``atexit``,
    flushed streams, closed files); the history is closed before this is called.
    """
    gc.freeze()


def _expected_failure(exc: Exception) -> str | None:
    """The line for an unusable address or a disk, folder or database fault met mid-command;
    None for anything else (a bug: its traceback is wanted). The two modules are imported
    here, on failure, not by every command at start (issue 8)."""
    from desktop.core.base_urls import UrlProblem
    from desktop.store.faults import STORAGE_ERRORS, storage_fault

    if isinstance(exc, UrlProblem):
        return str(exc)
    if isinstance(exc, STORAGE_ERRORS):
        return str(storage_fault(exc, "Stopped"))
    return None


def _configure_logging() -> None:
    """Log records are for SWITCHBOARD_DEBUG; without it, stderr carries our one line only.

    Not called for the history commands when nothing they import loads ``logging`` (issue
    8: it is a tenth of their start-up): what they could log later (a schema upgrade, through
    the store's lazily imported logger) is INFO, below the WARNING from which logging's
    last-resort handler writes to stderr, so stderr carries nothing else then either.
    """
    import logging

    logging.basicConfig(
        level=logging.DEBUG if os.environ.get("SWITCHBOARD_DEBUG") else logging.CRITICAL + 1,
        format="%(levelname)s %(name)s: %(message)s",
    )


async def _run(args: argparse.Namespace) -> int:
    from desktop.services import Services
    from desktop.store.faults import HistoryUnavailable

    try:
        services = await Services.open()
    except HistoryUnavailable as exc:
        if args.command == "history" and args.action in ("backups", "restore"):
            from desktop import cli_history

            return await cli_history.backups_without_history(args, exc)
        raise
    try:
        import contextlib

        from desktop.engine.billing import billing_to

        bill_to = getattr(args, "bill_to", None)  # else the choice saved in costs.json
        with billing_to(bill_to) if bill_to else contextlib.nullcontext():
            return await _dispatch(services, args)
    finally:
        await services.aclose()


async def _dispatch(services: Services, args: argparse.Namespace) -> int:
    """Run the command; each module is imported only for its own command (issue 8)."""
    command = args.command
    if command == "compare":
        from desktop import cli_compare

        return await cli_compare.run(services, args)
    if command == "costs":
        from desktop import cli_costs

        return await cli_costs.run(services, args)
    if command == "chat":
        from desktop import cli_chat

        return await cli_chat.run(services, args)
    if command == "providers":
        from desktop import cli_providers

        return await cli_providers.run(services, args)
    if command in MEDIA_COMMANDS:
        from desktop import cli_media

        return await cli_media.run(services, args)
    if command == "video":
        from desktop import cli_video

        return await cli_video.run(services, args)
    if command == "models":
        from desktop import cli_models

        return await cli_models.run(services, args)
    from desktop import cli_history

    return await cli_history.run(services, args)


if __name__ == "__main__":
    raise SystemExit(main())
