"""``switchboard chat``: one question to a model, the answer streamed to stdout.

The same engine and history as the window's chat: the conversation is saved and shows up
there. Routing news (a provider skipped, an answer restarted elsewhere) goes to stderr, so
stdout is the answer alone; ``--json`` prints one object with the routing trace instead.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, TextIO

from desktop.cli_text import json_text
from desktop.core.errors import SwitchboardError
from desktop.core.table import provider_label
from desktop.core.trace import AttemptRecord, Outcome, seconds_text
from desktop.core.vocab import Status

if TYPE_CHECKING:  # imported when a command runs: the light commands stay light (issue 8)
    from desktop.engine.conversations import Turn
    from desktop.services import Services

EXIT_FAILED = 1
EXIT_INTERRUPTED = 3


class ChatCliError(SwitchboardError):
    """A one-line error for stderr."""


class _Printer:
    """Streams text to stdout and routing news to stderr (stdout stays the answer only).

    Text already written cannot be taken back: when an answer breaks off and the engine
    restarts it on another provider, a separator line goes to stderr and the complete answer
    is streamed again from the start of a fresh line. ``--json`` prints the complete answer
    only, once.
    """

    def __init__(self, out: TextIO, err: TextIO, quiet: bool) -> None:
        self.out, self.err, self.quiet = out, err, quiet
        self.at_line_start = True
        self.printed = 0
        """Characters of the answer printed since it (re)started."""

    def turn_started(self, turn: Turn) -> None:
        pass

    def attempt_changed(self, record: AttemptRecord) -> None:
        if self.quiet or record.outcome in ("", Outcome.OK, Outcome.INTERRUPTED, Outcome.CANCELLED):
            return
        print(f"[{record.short()} — trying the next provider]", file=self.err, flush=True)

    def delta(self, text: str) -> None:
        self.printed += len(text)
        if not self.quiet:
            self.out.write(text)
            self.out.flush()
            self.at_line_start = text.endswith("\n")

    def restarted(self, note: str) -> None:
        self.printed = 0
        if self.quiet:
            return
        if not self.at_line_start:
            self.out.write("\n")
            self.out.flush()
            self.at_line_start = True
        print(f"[{note}; the complete answer follows]", file=self.err, flush=True)


async def run(services: Services, args: argparse.Namespace) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise ChatCliError("the prompt is empty.")
    if args.conversation is not None and (
        await services.run_blocking(services.history.get_conversation, args.conversation) is None
    ):
        raise ChatCliError(
            f"there is no conversation {args.conversation}; see 'switchboard history list'."
        )
    printer = _Printer(sys.stdout, sys.stderr, quiet=args.json)
    services.settings.remember_model(args.model)
    try:
        services.save_settings()
    except OSError as exc:  # remembering the model is a convenience, not worth the answer
        logging.getLogger(__name__).warning("Cannot save the settings: %s", exc)
    turn = await services.chat.send(
        args.conversation,
        prompt,
        model=args.model,
        provider=args.provider,
        listener=printer,
        system=args.system,
    )
    result = turn.result
    assert result is not None
    if args.json:
        payload = result.to_dict() | {
            "conversation_id": turn.conversation_id,
            "message_id": turn.assistant_message_id,
        }
        print(json_text(payload))
    else:
        if result.text and not result.text.endswith("\n"):
            print()
        if result.status == Status.COMPLETE:
            ttft = f" · {seconds_text(result.ttft_ms / 1000)}" if result.ttft_ms is not None else ""
            remark = next(
                (
                    c.note
                    for c in result.trace.candidates
                    if c.provider == result.provider and c.note
                ),
                "",
            )
            ttft += f" · {remark}" if remark else ""
            cost = f" · {result.cost.short()}"
            print(f"[via {provider_label(result.provider or '')}{ttft}{cost}]", file=sys.stderr)
            first = result.trace.first_choice_skipped()
            if first:
                print(f"[{first}]", file=sys.stderr)
    if result.status == Status.COMPLETE:
        return 0
    if result.error and not args.json:
        print(f"switchboard: {result.error}", file=sys.stderr)
    if printer.printed > len(result.text) and not args.json:
        # Saving stopped mid-answer: say which part of what was printed is not kept.
        unsaved = printer.printed - len(result.text)
        print(
            f"switchboard: the last {unsaved} characters printed were not saved.", file=sys.stderr
        )
    return EXIT_INTERRUPTED if result.status == Status.INTERRUPTED else EXIT_FAILED
