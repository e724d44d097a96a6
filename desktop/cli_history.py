"""``switchboard history …``: list, search and show saved conversations; backups and restore.

Reading the history needs the database alone (:func:`run_local`): no services, no event
loop, no network, and nothing imported that only other commands need, so ``history list``
starts about as fast as Python itself (issue 8). Backups and restore go through the
services' database worker like every other write (:func:`run`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from desktop.cli_text import json_text
from desktop.core.errors import SwitchboardError
from desktop.core.vocab import Status
from desktop.store.faults import (
    STORAGE_ERRORS,
    HistoryUnavailable,
    ensure_folders,
    history_unavailable,
)
from desktop.store.history import HistoryError, HistoryStore
from desktop.store.paths import AppPaths

if TYPE_CHECKING:  # imported when a command runs: the light commands stay light (issue 8)
    from pathlib import Path

    from desktop.services import Services
    from desktop.store.history import StoredMessage

EXIT_FAILED = 1


class HistoryCliError(SwitchboardError):
    """A one-line error for stderr."""


def run_local(args: argparse.Namespace) -> int:
    """Reading the history needs the database alone: no services, no event loop, no network
    (issue 8). One thread, so no database worker either."""
    paths = AppPaths.default()
    ensure_folders(paths)
    try:
        history = HistoryStore(paths.history_db)
    except (*STORAGE_ERRORS, HistoryError) as exc:
        raise history_unavailable(exc, paths.history_db) from exc
    try:
        return _history(history, args)
    finally:
        history.close()


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _history(history: HistoryStore, args: argparse.Namespace) -> int:
    """``history list`` / ``search`` / ``show``: the one thread calls the store directly."""
    if args.action == "list":
        convs = history.list_conversations()
        if args.json:
            print(json_text([c._asdict() for c in convs]))
        else:
            for c in convs:
                print(f"{c.id:5}  {_when(c.updated_at)}  {c.title}")
        return 0
    if args.action == "search":
        hits = history.search(args.text)
        if args.json:
            print(json_text([h._asdict() for h in hits]))
        else:
            for h in hits:
                print(f"{h.conversation_id:5}  {h.title}: {h.snippet}")
        return 0 if hits else EXIT_FAILED
    conv = history.get_conversation(args.id)
    if conv is None:
        raise HistoryCliError(f"there is no conversation {args.id}.")
    others = {
        m.id: [v for v in history.versions_of(m.id) if v.id != m.id]
        for m in conv.messages
        if m.version_count > 1
    }
    if args.json:
        data = conv._asdict()  # a named tuple's, which leaves the messages in it as they are
        data["messages"] = [m._asdict() for m in conv.messages]
        for message in data["messages"]:
            if message["id"] in others:
                message["other_versions"] = [v._asdict() for v in others[message["id"]]]
        print(json_text(data))
        return 0
    print(f"# {conv.title}")
    for m in conv.messages:
        _print_message(m, f" · version {m.version} of {m.version_count}" if m.id in others else "")
        for other in others.get(m.id, []):
            place = m.versions.index(other.id) + 1 if other.id in m.versions else 0
            _print_message(other, f" · version {place} of {m.version_count}, not shown", "###")
    return 0


async def run(services: Services, args: argparse.Namespace) -> int:
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


async def backups_without_history(args: argparse.Namespace, problem: HistoryUnavailable) -> int:
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
    from dataclasses import asdict  # a backup is a dataclass; the records are named tuples

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
    from desktop.core.table import provider_label  # the provider table: ``show`` only

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
