"""Versions of a turn: regenerate and edit & resend add a sibling instead of deleting.

Why a tree: answering again must never destroy the answer the user already has (a failed
regenerate used to leave nothing). Each message points at the one it follows
(``parent_id``); messages with the same parent are versions of the same turn, oldest first,
and exactly one of them is ``chosen``. The conversation the user sees, and the one sent to a
model, is the path from the first message down through the chosen version at every step.
Switching versions only changes ``chosen``; nothing is deleted until the user deletes it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from desktop.store.db import StorePart
from desktop.store.records import StoredMessage


def shown_path(messages: Sequence[StoredMessage]) -> list[StoredMessage]:
    """The messages the user sees: from the root down the chosen version at each step,
    each with its place among its versions (``version``, ``versions``)."""
    children: dict[int | None, list[StoredMessage]] = {}
    for message in sorted(messages, key=lambda m: m.id):
        children.setdefault(message.parent_id, []).append(message)
    path: list[StoredMessage] = []
    parent: int | None = None
    seen: set[int] = set()
    while (siblings := children.get(parent)) is not None:
        index = _chosen_index(siblings)
        pick = siblings[index]
        if pick.id in seen:  # a damaged file cannot make this loop forever
            break
        seen.add(pick.id)
        path.append(pick._replace(version=index + 1, versions=tuple(m.id for m in siblings)))
        parent = pick.id
    return path


def _chosen_index(siblings: Sequence[StoredMessage]) -> int:
    """The chosen sibling (the newest if several claim it, the newest if none does)."""
    for index in range(len(siblings) - 1, -1, -1):
        if siblings[index].chosen:
            return index
    return len(siblings) - 1


def shown_leaf(conn: sqlite3.Connection, conversation_id: int) -> int | None:
    """The last message on the shown path: what a new message follows."""
    rows = conn.execute(
        "SELECT id, parent_id, chosen FROM messages WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    ).fetchall()
    children: dict[int | None, list[Any]] = {}
    for row in rows:
        children.setdefault(row[1], []).append(row)
    leaf: int | None = None
    seen: set[int] = set()
    while (siblings := children.get(leaf)) is not None:
        pick = next((r for r in reversed(siblings) if r[2]), siblings[-1])
        if pick[0] in seen:
            break
        seen.add(pick[0])
        leaf = pick[0]
    return leaf


def choose(conn: sqlite3.Connection, message_id: int) -> bool:
    """Make ``message_id`` the shown version among its siblings; False if it is gone."""
    row = conn.execute(
        "SELECT conversation_id, parent_id FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    if row is None:
        return False
    conversation_id, parent_id = row[0], row[1]
    conn.execute(
        "UPDATE messages SET chosen = (id = ?) WHERE conversation_id = ? AND parent_id IS ?",
        (message_id, conversation_id, parent_id),
    )
    return True


class Versions(StorePart):
    """Choosing among the versions of a turn, and taking back an empty failed one."""

    def select_version(self, message_id: int) -> bool:
        """Show ``message_id`` (and what follows it) instead of its other versions."""
        with self._db.write() as conn:
            return choose(conn, message_id)

    def step_version(self, message_id: int, step: int) -> int | None:
        """Show the version ``step`` places after (or before) ``message_id`` and return
        its id; None when there is none that way (or the message is gone)."""
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT conversation_id, parent_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return None
            ids: list[int] = [
                int(r[0])
                for r in conn.execute(
                    "SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS ? "
                    "ORDER BY id",
                    (row[0], row[1]),
                )
            ]
            index = ids.index(message_id) + step
            if not 0 <= index < len(ids):
                return None
            choose(conn, ids[index])
            return ids[index]

    def withdraw_version(self, message_id: int, previous_id: int) -> bool:
        """A new version that ended with nothing (failed, or stopped before any text): show
        ``previous_id`` again and remove the empty one, which holds nothing of the user's.

        Returns False (and changes nothing) if the new version has text or replies after
        it, so nothing the user could want is ever removed here.
        """
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT content FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None or row[0]:
                return False
            has_parts = conn.execute(
                "SELECT 1 FROM message_parts WHERE message_id = ? LIMIT 1", (message_id,)
            ).fetchone()
            follows = conn.execute(
                "SELECT 1 FROM messages WHERE parent_id = ? LIMIT 1", (message_id,)
            ).fetchone()
            if has_parts or follows or not choose(conn, previous_id):
                return False
            conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            return True
