"""``switchboard chat|providers|models|history …``: the same engine, history, settings and secrets.

Every command exits 0 on success and non-zero with one line on stderr otherwise; ``--json``
prints one machine-readable object (the routing trace included) and nothing else on stdout.

Each command imports only what it needs (issue 8): ``--help`` and ``history`` never load the
HTTP stack, the engine, Pillow or Qt, and ``history`` opens only the history database.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from desktop import __version__, cli_about, cli_compare, cli_costs, cli_media, cli_models, cli_video
from desktop.cli_text import InertWriter, json_text
from desktop.core.base_urls import UrlProblem, shown, split_credentials
from desktop.core.errors import SwitchboardError
from desktop.core.table import HF_CREDENTIAL, PROVIDERS, provider_label
from desktop.core.trace import AttemptRecord, Outcome, seconds_text
from desktop.core.vocab import Status
from desktop.store.faults import STORAGE_ERRORS, HistoryUnavailable, storage_fault
from desktop.store.paths import AppPaths

if TYPE_CHECKING:  # the command line imports what a command needs when it runs (issue 8)
    from desktop.engine.conversations import Turn
    from desktop.services import Services
    from desktop.store.history import HistoryStore, StoredMessage

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 3
REQUEST_COMMANDS = ("chat", "image", "transcribe", "speak", "embed", "video", "compare")


class CliError(SwitchboardError):
    """A one-line error for stderr."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switchboard",
        description="Switchboard: chat, make images and videos, transcribe speech and compute "
        "embeddings with hosted AI models across providers, with failover. Run without a "
        "command to open the window.",
    )
    parser.add_argument("--version", action="version", version=f"switchboard {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="ask a model; the answer streams to stdout")
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

    providers = sub.add_parser("providers", help="list, order and configure providers")
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

    cli_media.add_parsers(sub)
    cli_video.add_parsers(sub)
    cli_compare.add_parser(sub)
    cli_costs.add_parser(sub)
    for name in REQUEST_COMMANDS:
        sub.choices[name].add_argument(
            "--bill-to",
            metavar="ORG",
            help="bill this Hugging Face organisation (requests through the HF router only)",
        )
    cli_models.add_parsers(sub)
    cli_about.add_parser(sub)

    history = sub.add_parser("history", help="list, search and show saved conversations")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    # Log records are for SWITCHBOARD_DEBUG; without it, stderr carries our one line only.
    logging.basicConfig(
        level=logging.DEBUG if os.environ.get("SWITCHBOARD_DEBUG") else logging.CRITICAL + 1,
        format="%(levelname)s %(name)s: %(message)s",
    )
    out, err = InertWriter(sys.stdout), InertWriter(sys.stderr)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        if args.command == "about":  # no services needed: it must work on a broken install
            return cli_about.run(args)
        if args.command == "history" and args.action not in ("backups", "restore"):
            return _history_only(args)
        import asyncio

        return asyncio.run(_run(args))
    except (SwitchboardError, UrlProblem) as exc:  # CliError, SettingsError, store errors too
        print(f"switchboard: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except STORAGE_ERRORS as exc:  # a disk, folder or database fault met mid-command
        print(f"switchboard: {storage_fault(exc, 'Stopped')}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("switchboard: stopped.", file=sys.stderr)
        return 130
    finally:
        out.finish()
        err.finish()
        sys.stdout, sys.stderr = saved


def _history_only(args: argparse.Namespace) -> int:
    """Reading the history needs the database alone: no services, no event loop, no network
    (issue 8). One thread, so no database worker either."""
    from desktop.store.faults import history_unavailable
    from desktop.store.history import HistoryError, HistoryStore

    paths = AppPaths.default()
    try:
        paths.ensure()
    except OSError as exc:
        raise storage_fault(
            exc, f"Switchboard cannot use its folders ({exc.filename or paths.data_dir})"
        ) from exc
    try:
        history = HistoryStore(paths.history_db)
    except (*STORAGE_ERRORS, HistoryError) as exc:
        raise history_unavailable(exc, paths.history_db) from exc
    try:
        return _history(history, args)
    finally:
        history.close()


async def _run(args: argparse.Namespace) -> int:
    from desktop.services import Services

    try:
        services = await Services.open()
    except HistoryUnavailable as exc:
        if args.command == "history" and args.action in ("backups", "restore"):
            return await _backups_without_history(args, exc)
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
    if args.command == "compare":
        return await cli_compare.run(services, args)
    if args.command == "costs":
        return await cli_costs.run(services, args)
    if args.command == "chat":
        return await _chat(services, args)
    if args.command == "providers":
        return await _providers(services, args)
    if args.command in cli_media.COMMANDS:
        return await cli_media.run(services, args)
    if args.command == "video":
        return await cli_video.run(services, args)
    if args.command == "models":
        return await cli_models.run(services, args)
    return await _history_backups(services, args)


# --- chat ---------------------------------------------------------------------------------


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


async def _chat(services: Services, args: argparse.Namespace) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise CliError("the prompt is empty.")
    if args.conversation is not None and (
        await services.run_blocking(services.history.get_conversation, args.conversation) is None
    ):
        raise CliError(
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


# --- providers ----------------------------------------------------------------------------


def _credential_user(ident: str) -> str:
    return HF_CREDENTIAL if ident in ("hf", "huggingface", "hf-token") else ident


async def _providers(services: Services, args: argparse.Namespace) -> int:
    settings = services.settings
    action = args.action
    if action == "list":
        rows = _provider_rows(services)
        if args.json:
            print(json_text(rows))
        else:
            hf = services.credentials.info(HF_CREDENTIAL)
            if services.credentials.keyring_locked:
                print(f"switchboard: {services.credentials.keyring_error}", file=sys.stderr)
            state = "unknown (keyring locked)" if hf.locked else "not set"
            print(f"Hugging Face token: {_source_text(hf.source) if hf.present else state}")
            for i, row in enumerate(rows, 1):
                state = "on " if row["enabled"] else "off"
                health = f"  [{row['health']}]" if row["health"] else ""
                print(f"{i:2}. [{state}] {row['id']:<16} {row['label']:<18} {row['reach']}{health}")
        return 0
    if action == "order":
        settings.set_order(list(args.ids))
        services.save_settings()
        print("Order saved: " + ", ".join(settings.ordered_providers()))
        return 0
    if action in ("enable", "disable"):
        _check_known(services, args.id)
        disabled = set(settings.disabled)
        (disabled.discard if action == "enable" else disabled.add)(args.id)
        settings.disabled = sorted(disabled)
        services.save_settings()
        return 0
    if action == "set-key":
        user = _credential_user(args.id)
        if user != HF_CREDENTIAL:
            _check_known(services, user)
        secret = sys.stdin.readline().strip()
        if not secret:
            raise CliError("no key was given on standard input.")
        await services.set_secret(user, secret)
        print(f"Saved the key for {provider_label(user)} in the system keyring.")
        return 0
    if action == "delete-key":
        await services.delete_secret(_credential_user(args.id))
        return 0
    if action == "add-custom":
        models: dict[str, str] = {}
        for item in args.model:
            alias, sep, served = item.partition("=")
            if not alias.strip():
                raise CliError(f"--model {item!r} should look like ALIAS=SERVED_NAME.")
            models[alias.strip()] = (served if sep else alias).strip() or alias.strip()
        from desktop.store.settings import CustomEndpoint

        url, key_in_url = split_credentials(args.url)
        stored = settings.add_custom(
            CustomEndpoint(
                name=args.name,
                base_url=url,
                models=models,
                needs_key=args.needs_key or key_in_url is not None,
            )
        )
        services.save_settings()
        if key_in_url is not None:
            await services.set_secret(stored.name, key_in_url)
            print("The key in the address was moved to the system keyring.", file=sys.stderr)
        print(f"Added {stored.name}.")
        return 0
    if action == "remove":
        if settings.custom(args.name) is None:
            raise CliError(f"there is no custom server called {args.name!r}.")
        settings.remove_custom(args.name)
        services.save_settings()
        await services.delete_secret(args.name)
        print(f"Removed {args.name}.")
        return 0
    raise CliError(f"unknown providers action {action!r}.")


def _check_known(services: Services, ident: str) -> None:
    if ident not in PROVIDERS and services.settings.custom(ident) is None:
        raise CliError(f"there is no provider called {ident!r}; see 'switchboard providers list'.")


def _source_text(source: str | None) -> str:
    if source and source.startswith("env:"):
        return f"from ${source[4:]}"
    return "in the system keyring"


def _provider_rows(services: Services) -> list[dict[str, Any]]:
    from desktop.engine.health_summary import provider_health, reached_with

    settings = services.settings
    creds = services.credentials
    has_hf = creds.info(HF_CREDENTIAL).present
    rows = []
    for ident in settings.ordered_providers():
        spec = PROVIDERS.get(ident)
        custom = settings.custom(ident)
        info = creds.info(ident)
        if custom is not None:
            reach = "custom server " + shown(custom.base_url)
        elif info.present:
            reach = "own key (" + _source_text(info.source) + ")"
        elif spec is not None and spec.routed and has_hf:
            reach = "via Hugging Face token"
        elif spec is not None and not spec.routed:
            reach = "needs its own key (HF no longer routes it)"
        else:
            reach = "no key"
        rows.append(
            {
                "id": ident,
                "label": provider_label(ident),
                "enabled": settings.is_enabled(ident),
                "custom": custom is not None,
                "key": None if info.locked else info.present,
                "reach": reach,
                "tasks": sorted(s.value for s in spec.tasks) if spec else ["conversational"],
                "health": provider_health(
                    services.health, ident, reached_with(services.credentials, ident)
                ).short(),
            }
        )
    return rows


# --- history ------------------------------------------------------------------------------


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _history(history: HistoryStore, args: argparse.Namespace) -> int:
    """``history list`` / ``search`` / ``show``: the one thread calls the store directly."""
    if args.action == "list":
        convs = history.list_conversations()
        if args.json:
            print(json_text([asdict(c) for c in convs]))
        else:
            for c in convs:
                print(f"{c.id:5}  {_when(c.updated_at)}  {c.title}")
        return 0
    if args.action == "search":
        hits = history.search(args.text)
        if args.json:
            print(json_text([asdict(h) for h in hits]))
        else:
            for h in hits:
                print(f"{h.conversation_id:5}  {h.title}: {h.snippet}")
        return 0 if hits else EXIT_FAILED
    conv = history.get_conversation(args.id)
    if conv is None:
        raise CliError(f"there is no conversation {args.id}.")
    others = {
        m.id: [v for v in history.versions_of(m.id) if v.id != m.id]
        for m in conv.messages
        if m.version_count > 1
    }
    if args.json:
        data = asdict(conv)
        for message in data["messages"]:
            if message["id"] in others:
                message["other_versions"] = [asdict(v) for v in others[message["id"]]]
        print(json_text(data))
        return 0
    print(f"# {conv.title}")
    for m in conv.messages:
        _print_message(m, f" · version {m.version} of {m.version_count}" if m.id in others else "")
        for other in others.get(m.id, []):
            place = m.versions.index(other.id) + 1 if other.id in m.versions else 0
            _print_message(other, f" · version {place} of {m.version_count}, not shown", "###")
    return 0


async def _history_backups(services: Services, args: argparse.Namespace) -> int:
    """``history backups`` / ``restore``: through the database worker, like every other
    store call of the services (one storage path)."""
    if args.action == "backups":
        return await _list_backups(services.paths.backups_dir, args)
    from desktop.store.backups import restore_backup

    aside = await services.db.run(
        restore_backup, services.history, services.paths.backups_dir, args.name
    )
    print(f"Restored {args.name}; the history as it was is kept as {aside.name} in {aside.parent}.")
    return 0


async def _backups_without_history(args: argparse.Namespace, problem: HistoryUnavailable) -> int:
    """``history backups`` / ``restore`` when the history itself cannot be opened (damaged,
    a folder…): the way forward, with the unusable file moved aside, never deleted."""
    import asyncio

    from desktop.store.backups import restore_over

    paths = AppPaths.default()
    if args.action == "backups":
        print(f"switchboard: {problem}", file=sys.stderr)
        return await _list_backups(paths.backups_dir, args)
    aside = await asyncio.to_thread(restore_over, paths.history_db, paths.backups_dir, args.name)
    print(
        f"Restored {args.name}; the unusable history was moved to {aside.name} in {aside.parent}."
    )
    return 0


async def _list_backups(folder: Path, args: argparse.Namespace) -> int:
    import asyncio

    from desktop.store.backups import list_backups

    found = await asyncio.to_thread(list_backups, folder)
    if args.json:
        print(json_text([{**asdict(b), "path": str(b.path)} for b in found]))
        return 0
    if not found:
        print(f"No backups yet; they are made daily in {folder}.")
        return 0
    for b in found:
        print(f"{b.name}  {_when(b.modified)}  {b.size / (1024 * 1024):.1f} MB")
    return 0


def _print_message(m: StoredMessage, version: str, level: str = "##") -> None:
    """One message of ``history show``: who, the text, and how it ended."""
    who = m.role
    if m.role == "assistant" and m.provider:
        who += f" (via {provider_label(m.provider)}, {m.status})"
    elif m.role == "assistant" and m.status != Status.COMPLETE:
        who += f" ({m.status})"
    print(f"\n{level} {who}{version}\n{m.content}")
    if m.role == "assistant" and m.status == Status.INTERRUPTED:
        print("[interrupted: this answer stopped before it was finished]")
    if m.error:
        print(f"[{m.error}]")


if __name__ == "__main__":
    raise SystemExit(main())
