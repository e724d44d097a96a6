"""Opening the window's data when the history cannot be opened: say why, offer the way forward.

Why a question and not an error box: a damaged, locked or read-only history used to stop the
window with a traceback or a bare "could not start". The user's data is the one thing that
must survive, so the window names the file and offers what can be done without losing
anything: try again (another program holds it), open it read-only (read-only folder), move
the damaged file aside and start fresh (it is kept, renamed), or restore a daily backup (the
current file is moved aside first). Nothing here ever deletes or overwrites a file.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from desktop.core.errors import SwitchboardError
from desktop.services import Services
from desktop.store.backups import list_backups, move_aside, restore_over
from desktop.store.faults import STORAGE_ERRORS, FaultKind, HistoryUnavailable, storage_fault
from desktop.store.paths import AppPaths
from desktop.store.settings import SettingsStore
from desktop.store.state import StateStore
from desktop.ui.tasks import run_dialog


class WayForward(enum.StrEnum):
    """What the user chose when the history could not be opened."""

    READ_ONLY = "Open read-only"
    RETRY = "Try again"
    FRESH = "Move it aside and start fresh"
    RESTORE = "Restore a backup…"
    QUIT = "Quit"


@dataclass
class Opened:
    """The services, and what to tell the user once the window shows."""

    services: Services
    notices: list[str] = field(default_factory=list)


Shown = Callable[[QWidget], None]
"""Told every question asked (tests answer them)."""


async def open_or_ask(
    paths: AppPaths,
    shown: Shown | None = None,
    *,
    wait_for_keyring: bool = True,
    settings_store: SettingsStore | None = None,
    state: StateStore | None = None,
    before_keyring: Awaitable[object] | None = None,
) -> Opened | None:
    """Open the services; while the history cannot be opened, ask what to do. None: quit.

    The keyword arguments go to ``Services.open`` (the window reads the keyring in the
    background, and its settings and state before it paints).
    """
    read_only = False
    notices: list[str] = []
    while True:
        try:
            services = await Services.open(
                paths,
                read_only=read_only,
                wait_for_keyring=wait_for_keyring,
                settings_store=settings_store,
                state=state,
                before_keyring=before_keyring,
            )
        except HistoryUnavailable as problem:
            backups = await asyncio.to_thread(list_backups, paths.backups_dir)
            choice = await ask(problem, bool(backups), read_only, shown)
            try:
                notice = await _follow(choice, problem, paths, shown)
            except (*STORAGE_ERRORS, SwitchboardError) as exc:
                await tell(str(storage_fault(exc, "That did not work")), shown)
                continue
            if notice is None:
                return None
            if choice == WayForward.READ_ONLY:
                read_only = True
            if notice:
                notices.append(notice)
            continue
        return Opened(services, notices)


async def _follow(
    choice: WayForward, problem: HistoryUnavailable, paths: AppPaths, shown: Shown | None
) -> str | None:
    """Do what was chosen; the sentence to show in the window, or None to quit."""
    if choice == WayForward.QUIT:
        return None
    if choice == WayForward.RETRY:
        return ""
    if choice == WayForward.READ_ONLY:
        return (
            f"The history {problem.path.name} is open read-only: you can read and search it, "
            "but new messages are not saved until it can be written again."
        )
    if choice == WayForward.FRESH:
        aside = await asyncio.to_thread(move_aside, problem.path)
        return f"A fresh history was started; the old one is kept as {aside} ."
    backups = await asyncio.to_thread(list_backups, paths.backups_dir)
    # Only here: the library package brings its page, players and Qt Multimedia (issue 8).
    from desktop.ui.library.restore import backup_label, restore_dialog

    dialog = restore_dialog(None, backups)
    if shown is not None:
        shown(dialog)
    try:
        code = await run_dialog(dialog)
        label = dialog.textValue()
    finally:
        dialog.deleteLater()
    chosen = next((b for b in backups if backup_label(b) == label), None)
    if code != QDialog.DialogCode.Accepted or chosen is None:
        return await _follow(WayForward.QUIT, problem, paths, shown)
    aside = await asyncio.to_thread(restore_over, problem.path, paths.backups_dir, chosen.name)
    return f"Restored {chosen.name}; the history as it was is kept as {aside} ."


async def ask(
    problem: HistoryUnavailable, has_backups: bool, tried_read_only: bool, shown: Shown | None
) -> WayForward:
    """The question: the sentence, and a button per way forward that fits the problem."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Switchboard", str(problem))
    box.setInformativeText("Nothing is deleted or overwritten, whichever you choose.")
    choices: list[WayForward] = []
    if problem.kind == FaultKind.READ_ONLY and not tried_read_only:
        choices.append(WayForward.READ_ONLY)
    if problem.kind == FaultKind.LOCKED:
        choices.append(WayForward.RETRY)
    if problem.path.exists():
        choices.append(WayForward.FRESH)
    if has_backups:
        choices.append(WayForward.RESTORE)
    buttons = {
        box.addButton(
            choice.value,
            QMessageBox.ButtonRole.AcceptRole
            if choice != WayForward.FRESH
            else QMessageBox.ButtonRole.DestructiveRole,
        ): choice
        for choice in choices
    }
    quit_button = box.addButton(WayForward.QUIT.value, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(quit_button)
    if shown is not None:
        shown(box)
    try:
        await run_dialog(box)
        clicked = box.clickedButton()
        return next((c for b, c in buttons.items() if b is clicked), WayForward.QUIT)
    finally:
        box.deleteLater()


async def tell(text: str, shown: Shown | None) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, "Switchboard", text)
    if shown is not None:
        shown(box)
    try:
        await run_dialog(box)
    finally:
        box.deleteLater()
