"""Favourite and recently used models per tab, with the provider policy chosen for each.

Kept in a small JSON file of their own (``models.json`` in the config directory, through the
existing :class:`~desktop.store.state.StateStore`): they are the user's choices, so they do not
live in the throw-away cache, and they change too often to rewrite the settings file for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from desktop.engine.model_tasks import TaskName
from desktop.engine.model_types import Pick
from desktop.store.state import JsonValue, StateStore

RECENTS_MAX = 12

log = logging.getLogger(__name__)


class ModelPicks:
    """Favourites (in the order added) and recents (newest first, at most 12) per tab."""

    def __init__(self, picks: StateStore, clock: Callable[[], float]) -> None:
        self._picks = picks
        self._clock = clock

    def _picks_dict(self, key: str) -> dict[str, JsonValue]:
        value = self._picks.get(key)
        return dict(value) if isinstance(value, dict) else {}

    def favourites(self, task: TaskName) -> list[Pick]:
        ids = self._picks_dict("favourites").get(task)
        policies = self._picks_dict("policies")
        out = []
        for model_id in ids if isinstance(ids, list) else []:
            if isinstance(model_id, str):
                policy = policies.get(model_id)
                out.append(Pick(model_id, policy if isinstance(policy, str) else "auto"))
        return out

    def recents(self, task: TaskName) -> list[Pick]:
        items = self._picks_dict("recents").get(task)
        out = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                policy = item.get("policy")
                used = item.get("at")
                out.append(
                    Pick(
                        str(item["id"]),
                        policy if isinstance(policy, str) else "auto",
                        float(used) if isinstance(used, int | float) else 0.0,
                    )
                )
        return out

    def toggle_favourite(self, task: TaskName, model_id: str) -> bool:
        """Add or remove a favourite; True when it is now a favourite. Saved at once."""
        favourites = self._picks_dict("favourites")
        current = favourites.get(task)
        ids = [i for i in current if isinstance(i, str)] if isinstance(current, list) else []
        now_favourite = model_id not in ids
        ids = [*ids, model_id] if now_favourite else [i for i in ids if i != model_id]
        favourites[task] = list(ids)
        self._picks.set("favourites", favourites)
        self._save_picks()
        return now_favourite

    def note_used(self, task: TaskName, model_id: str, provider_policy: str = "auto") -> None:
        """Put the model first in the task's recents with the provider policy chosen."""
        recents = self._picks_dict("recents")
        current = recents.get(task)
        items: list[JsonValue] = [
            i
            for i in (current if isinstance(current, list) else [])
            if isinstance(i, dict) and i.get("id") != model_id
        ]
        entry: dict[str, JsonValue] = {"id": model_id, "policy": provider_policy}
        entry["at"] = self._clock()
        recents[task] = [entry, *items][:RECENTS_MAX]
        policies = self._picks_dict("policies")
        policies[model_id] = provider_policy
        self._picks.set("recents", recents)
        self._picks.set("policies", policies)
        self._save_picks()

    def provider_policy(self, model_id: str) -> str | None:
        """The provider policy last chosen for this model, or None."""
        policy = self._picks_dict("policies").get(model_id)
        return policy if isinstance(policy, str) else None

    def _save_picks(self) -> None:
        """A few hundred bytes, written atomically: fine on the loop, like the settings."""
        try:
            self._picks.save()
        except OSError as exc:
            # Favourites stay in memory for this session; the next change saves them again.
            log.warning("Could not save model favourites: %s", exc)
