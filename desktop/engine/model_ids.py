"""Model ids checked against the Hub's grammar before any URL is built from them.

Why: a model id goes into Hub and router URLs (``/api/models/{id}``, ``/v1/models/{id}``) sent
with the user's token. ``../../etc/passwd`` would otherwise become an authenticated request to
another path of the Hub's origin, and a 100 kB id an unreadable crash. The grammar is the Hub's
own for repository ids: an optional owner and a name, each of letters, digits, ``-``, ``_`` and
``.``, not starting or ending with ``-`` or ``.``, with no ``--`` or ``..``, the name at most 96
characters. Names a custom server uses never reach the Hub and are not checked here.
"""

from __future__ import annotations

import re

from desktop.core.errors import SwitchboardError

MAX_PART = 96
_PART = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?")


class BadModelId(SwitchboardError):
    """A model id that cannot name a model on the Hub."""


def hub_id_problem(model_id: str) -> str | None:
    """Why ``model_id`` is not a Hub model id (a short clause), or None when it is one."""
    if not model_id:
        return "it is empty"
    if len(model_id) > 2 * MAX_PART + 1:
        return "it is far longer than any model id"
    parts = model_id.split("/")
    if len(parts) > 2:
        return "a model id is owner/name, with one slash"
    for part in parts:
        if not part:
            return "a model id is owner/name, with text on both sides of the slash"
        if len(part) > MAX_PART:
            return f"each part of a model id has at most {MAX_PART} characters"
        if "--" in part or ".." in part or not _PART.fullmatch(part):
            return "a model id uses only letters, digits, '-', '_' and '.'"
    return None


_CHECKED: set[str] = set()
"""Ids already found good: every request checks its model id, usually the same few."""


def check_hub_id(model_id: str) -> str:
    """``model_id`` unchanged when the Hub could know it; :class:`BadModelId` otherwise."""
    if model_id in _CHECKED:
        return model_id
    problem = hub_id_problem(model_id)
    if problem is None:
        if len(_CHECKED) < 4096:
            _CHECKED.add(model_id)
        return model_id
    shown = model_id if len(model_id) <= 60 else model_id[:57] + "…"
    raise BadModelId(
        f"\u201c{shown}\u201d is not a model id ({problem}); "
        "model ids look like owner/name, e.g. meta-llama/Llama-3.1-8B-Instruct."
    )
