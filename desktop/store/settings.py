"""User settings: a typed dataclass in a small, versioned, human-readable JSON file.

Why this shape (style.md §5.4): the file carries a ``version`` and is brought up to date by
ordered migration functions, so a settings file from an old release keeps working; it is
written atomically, so a crash never leaves half a file; and a file we cannot read (corrupt,
or written by a newer release) is set aside rather than overwritten, so nothing the user chose
is destroyed silently. Secrets never live here: they go to the keyring (``secrets.py``).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from desktop.core.base_urls import url_problem
from desktop.core.errors import SwitchboardError
from desktop.core.table import DEFAULT_ORDER, HF_CREDENTIAL, PROVIDERS, Task
from desktop.store.atomic import atomic_write_text

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1
"""The version this code writes. Raise it together with a new entry in :data:`MIGRATIONS`."""

DEFAULT_CHAT_MODEL = "meta-llama/Llama-3.1-8B-Instruct"
RECENT_MODELS_LIMIT = 20
POLICY_WORDS = frozenset({"auto", "fastest", "cheapest"})
"""Routing policies; a custom endpoint may not be named like one, since a policy can also be
a provider id."""


class SettingsError(SwitchboardError, ValueError):
    """A setting the user asked for is not possible; ``str()`` is one user-facing sentence."""


@dataclass
class CustomEndpoint:
    """An OpenAI-compatible server the user added (a local server, a paid gateway …).

    Attributes:
        name: the id the user sees and picks; also the keyring user name of its key.
        base_url: the server's base URL (``http://localhost:8000/v1``).
        models: model name the user picks → model name the server expects.
        needs_key: whether requests carry a bearer key from the keyring.
    """

    name: str
    base_url: str
    models: dict[str, str] = field(default_factory=dict)
    needs_key: bool = False

    def served_name(self, model: str) -> str:
        """The name to send to the server: the mapped one, or the model itself."""
        return self.models.get(model, model)


def _default_models() -> dict[str, str]:
    return {Task.CHAT.value: DEFAULT_CHAT_MODEL}


@dataclass
class Settings:
    """Everything the user chose, with helpers that keep it consistent.

    Attributes:
        version: the file format version (always :data:`SETTINGS_VERSION` in memory).
        provider_order: preferred provider order (built-in ids and custom endpoint names).
        disabled: providers the user switched off.
        custom_endpoints: OpenAI-compatible servers the user added.
        default_models: task (``Task`` value) → model id preselected in that tab.
        chat_policy: ``auto``, ``fastest``, ``cheapest`` or one provider id.
        recent_models: most recently used model ids, newest first.
        latency_mode: hedge chat requests: when the first provider is slow to start, ask the
            next one too and keep whichever answers first (may cost one extra prompt).
        theme: ``system``, ``light`` or ``dark`` (the window's colours).
        restart_cut_answers: when an answer breaks off mid-way and another provider is left,
            ask that provider from the start and show its complete answer instead of the
            partial one (off: keep the partial text, marked interrupted).
    """

    version: int = SETTINGS_VERSION
    provider_order: list[str] = field(default_factory=lambda: list(DEFAULT_ORDER))
    disabled: list[str] = field(default_factory=list)
    custom_endpoints: list[CustomEndpoint] = field(default_factory=list)
    default_models: dict[str, str] = field(default_factory=_default_models)
    chat_policy: str = "auto"
    recent_models: list[str] = field(default_factory=list)
    latency_mode: bool = False
    theme: str = "system"
    restart_cut_answers: bool = True

    # --- Queries

    def known_providers(self) -> list[str]:
        """Every provider id that exists: built-ins in the default order, then customs."""
        return [*DEFAULT_ORDER, *(p for p in PROVIDERS if p not in DEFAULT_ORDER)] + [
            ep.name for ep in self.custom_endpoints
        ]

    def ordered_providers(self) -> list[str]:
        """The user's order, with providers it does not mention appended and unknown ids dropped.

        A provider added by a newer release, or a custom endpoint added after the order was
        set, therefore always appears, at the end.
        """
        return list(self.provider_ranks())

    def provider_ranks(self) -> Mapping[str, int]:
        """Each provider's place in :meth:`ordered_providers` (0 first); read-only.

        Every request ranks its candidates by it, so it is worked out once per distinct
        order and list of custom servers, not per request (issue 8).
        """
        endpoints = self.custom_endpoints
        # Usually no custom server: no generator to make (it cost more than the lookup).
        customs = tuple([ep.name for ep in endpoints]) if endpoints else ()
        return _ranks(tuple(self.provider_order), customs)

    def is_enabled(self, provider_id: str) -> bool:
        """Whether the provider exists and the user has not switched it off."""
        return provider_id in self.provider_ranks() and provider_id not in self.disabled

    def custom(self, name: str) -> CustomEndpoint | None:
        """The custom endpoint called ``name``, if any."""
        for ep in self.custom_endpoints:
            if ep.name == name:
                return ep
        return None

    # --- Changes

    def set_enabled(self, provider_id: str, enabled: bool) -> None:
        """Switch a provider on or off."""
        if provider_id not in self.known_providers():
            raise SettingsError(f"'{provider_id}' is not a known provider.")
        if enabled:
            self.disabled = [p for p in self.disabled if p != provider_id]
        elif provider_id not in self.disabled:
            self.disabled.append(provider_id)

    def add_custom(self, endpoint: CustomEndpoint) -> CustomEndpoint:
        """Validate and add a custom endpoint at the end of the provider order.

        Name and URL are trimmed (a trailing ``/`` of the URL too); the stored copy is
        returned. Raises :class:`SettingsError` with one sentence the UI can show as is.
        """
        name = endpoint.name.strip()
        url = endpoint.base_url.strip().rstrip("/")
        if not name:
            raise SettingsError("A custom endpoint needs a name.")
        folded = name.casefold()
        if folded in {p.casefold() for p in PROVIDERS}:
            raise SettingsError(f"'{name}' is a built-in provider; choose another name.")
        if folded == HF_CREDENTIAL or folded in POLICY_WORDS:
            raise SettingsError(f"'{name}' is a reserved word; choose another name.")
        if any(ep.name.casefold() == folded for ep in self.custom_endpoints):
            raise SettingsError(f"A custom endpoint named '{name}' already exists.")
        problem = url_problem(url)
        if problem is not None:
            raise SettingsError(
                f"Switchboard can't use that address: {problem} "
                "(for example http://localhost:8000/v1)."
            )
        for shown, served in endpoint.models.items():
            if not shown.strip() or not served.strip():
                raise SettingsError("Every model of a custom endpoint needs a name.")
        stored = replace(endpoint, name=name, base_url=url, models=dict(endpoint.models))
        # Not written into provider_order: ordered_providers() already puts it last, after
        # any built-in the order does not mention yet.
        self.custom_endpoints.append(stored)
        return stored

    def remove_custom(self, name: str) -> None:
        """Remove a custom endpoint and every mention of it (order, disabled, policy).

        Its key stays in the keyring; deleting it is the caller's decision.
        """
        if self.custom(name) is None:
            raise SettingsError(f"There is no custom endpoint named '{name}'.")
        self.custom_endpoints = [ep for ep in self.custom_endpoints if ep.name != name]
        self.provider_order = [p for p in self.provider_order if p != name]
        self.disabled = [p for p in self.disabled if p != name]
        if self.chat_policy == name:
            self.chat_policy = "auto"

    def set_order(self, ids: Iterable[str]) -> None:
        """Put ``ids`` first, in that order; the others keep their relative order after them."""
        wanted = list(ids)
        known = set(self.known_providers())
        seen: set[str] = set()
        for pid in wanted:
            if pid not in known:
                raise SettingsError(f"'{pid}' is not a known provider.")
            if pid in seen:
                raise SettingsError(f"'{pid}' appears more than once in the order.")
            seen.add(pid)
        self.provider_order = wanted + [p for p in self.ordered_providers() if p not in seen]

    def remember_model(self, model: str) -> None:
        """Move ``model`` to the front of the recent list, keeping it short and unique."""
        if not model:
            return
        rest = [m for m in self.recent_models if m != model]
        self.recent_models = [model, *rest][:RECENT_MODELS_LIMIT]


# --- Migrations

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """v0 (before the format was versioned) called the provider order ``order``."""
    out = dict(data)
    if "order" in out:
        out["provider_order"] = out.pop("order")
    return out


MIGRATIONS: dict[int, Migration] = {0: _v0_to_v1}
"""Version N → the function that turns a version-N mapping into a version-N+1 mapping."""


def migrate(
    data: dict[str, Any],
    migrations: Mapping[int, Migration] | None = None,
    target: int | None = None,
) -> dict[str, Any]:
    """Apply the migrations from the file's version up to ``target``, in order.

    A file without ``version`` is version 0. Raises :class:`SettingsError` when the file is
    newer than ``target`` or a step is missing, so the caller can set the file aside.
    """
    steps = MIGRATIONS if migrations is None else migrations
    goal = SETTINGS_VERSION if target is None else target
    raw_version = data.get("version", 0)
    if not isinstance(raw_version, int) or isinstance(raw_version, bool) or raw_version < 0:
        raise SettingsError("The settings file has an invalid version.")
    version = raw_version
    if version > goal:
        raise SettingsError("The settings file was written by a newer version of Switchboard.")
    out = copy.deepcopy(data)
    while version < goal:
        step = steps.get(version)
        if step is None:
            raise SettingsError(f"Settings version {version} cannot be upgraded.")
        out = step(out)
        version += 1
        out["version"] = version
    return out


# --- (De)serialisation


def _str_list(data: Mapping[str, Any], key: str, default: list[str]) -> list[str]:
    value = data.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"'{key}' must be a list of strings.")
    return list(value)


def _str_dict(data: Mapping[str, Any], key: str, default: dict[str, str]) -> dict[str, str]:
    value = data.get(key, default)
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise SettingsError(f"'{key}' must map strings to strings.")
    return dict(value)


def _endpoint_from_dict(data: Any) -> CustomEndpoint:
    if not isinstance(data, dict):
        raise SettingsError("A custom endpoint must be an object.")
    name, url, needs_key = data.get("name"), data.get("base_url"), data.get("needs_key", False)
    if not isinstance(name, str) or not isinstance(url, str) or not isinstance(needs_key, bool):
        raise SettingsError("A custom endpoint needs a name and a base_url.")
    return CustomEndpoint(name, url, _str_dict(data, "models", {}), needs_key)


def settings_from_dict(data: Mapping[str, Any]) -> Settings:
    """Build :class:`Settings` from a current-version mapping; wrong types raise SettingsError.

    Missing keys take their defaults (a hand-edited file may omit them); unknown keys are
    ignored.
    """
    defaults = Settings()
    endpoints = data.get("custom_endpoints", [])
    if not isinstance(endpoints, list):
        raise SettingsError("'custom_endpoints' must be a list.")
    policy = data.get("chat_policy", defaults.chat_policy)
    if not isinstance(policy, str) or not policy:
        raise SettingsError("'chat_policy' must be a string.")
    return Settings(
        version=SETTINGS_VERSION,
        provider_order=_str_list(data, "provider_order", defaults.provider_order),
        disabled=_str_list(data, "disabled", defaults.disabled),
        custom_endpoints=[_endpoint_from_dict(ep) for ep in endpoints],
        default_models=_str_dict(data, "default_models", defaults.default_models),
        chat_policy=policy,
        recent_models=_str_list(data, "recent_models", defaults.recent_models),
        latency_mode=_bool(data, "latency_mode", defaults.latency_mode),
        theme=_theme(data.get("theme", defaults.theme)),
        restart_cut_answers=_bool(data, "restart_cut_answers", defaults.restart_cut_answers),
    )


def _theme(value: Any) -> str:
    """An unknown theme (a hand edit, a newer release) falls back to following the system."""
    return value if value in ("system", "light", "dark") else "system"


def _bool(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise SettingsError(f"'{key}' must be true or false.")
    return value


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """The JSON-ready mapping written to the file (always the current version)."""
    out = asdict(settings)
    out["version"] = SETTINGS_VERSION
    return out


class SettingsStore:
    """Loads and saves :class:`Settings` at one path.

    Blocking file I/O; it is tiny, but callers on the event loop may still use an executor.

    Attributes:
        path: the settings file.
        load_warning: after :meth:`load`, one sentence for the user when the file could not be
            used and was set aside; None otherwise.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.load_warning: str | None = None
        self.loaded: Settings | None = None
        """What the latest :meth:`load` returned (the window loads before the services)."""

    def load(self) -> Settings:
        """Read the settings; a missing file gives defaults, an unusable one is set aside."""
        self.loaded = self._load()
        return self.loaded

    def _load(self) -> Settings:
        self.load_warning = None
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Settings()
        except OSError as exc:
            log.warning("Cannot read %s: %s", self.path, exc)
            self.load_warning = (
                f"Your settings file {self.path} could not be read ({exc.strerror or exc}), "
                "so default settings are used for now."
            )
            return Settings()
        newer = False
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise SettingsError("The settings file must hold a JSON object.")
            version = data.get("version", 0)
            newer = isinstance(version, int) and version > SETTINGS_VERSION
            return settings_from_dict(migrate(data))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # json.JSONDecodeError and SettingsError are ValueErrors; the others guard a
            # migration meeting an unexpected shape.
            log.warning("Unusable settings file %s: %s", self.path, exc)
            kept = self._set_aside()
            where = f"the old file was kept as {kept.name}" if kept else "the old file is unchanged"
            if newer:
                self.load_warning = (
                    "Your settings file was written by a newer version of Switchboard, "
                    f"so default settings are used; {where}."
                )
            else:
                self.load_warning = (
                    f"Your settings file could not be read, so default settings are used; {where}."
                )
            return Settings()

    def save(self, settings: Settings) -> None:
        """Write the settings atomically (temp file in the same directory, fsync, rename)."""
        text = json.dumps(settings_to_dict(settings), indent=2, ensure_ascii=False) + "\n"
        atomic_write_text(self.path, text)

    def _set_aside(self) -> Path | None:
        """Rename the unusable file to ``settings.json.bad-<timestamp>`` so it is not lost."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = self.path.with_name(f"{self.path.name}.bad-{stamp}-{counter}")
        try:
            os.replace(self.path, target)
        except OSError as exc:
            log.warning("Cannot set aside %s: %s", self.path, exc)
            return None
        return target


@lru_cache(maxsize=16)
def _ranks(order: tuple[str, ...], customs: tuple[str, ...]) -> Mapping[str, int]:
    known = [*DEFAULT_ORDER, *(p for p in PROVIDERS if p not in DEFAULT_ORDER), *customs]
    known_set = set(known)
    ranks: dict[str, int] = {}
    for pid in [*order, *known]:
        if pid in known_set and pid not in ranks:
            ranks[pid] = len(ranks)
    return MappingProxyType(ranks)
