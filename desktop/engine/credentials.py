"""Which secrets exist: the keyring, with the conventional environment variables on top.

Keyring calls can block (D-Bus, an unlock prompt), so they happen only in :meth:`refresh`,
which runs them in an executor; the engine then reads an in-memory snapshot. The snapshot is
never printed: ``repr`` shows only which credentials exist.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass

from desktop.core.table import HF_CREDENTIAL, PROVIDERS
from desktop.store.secrets import KeyringLocked


@dataclass(frozen=True)
class CredentialInfo:
    """Where a credential comes from, for the Providers page: "keyring", "env:GROQ_API_KEY"."""

    present: bool
    source: str | None = None
    locked: bool = False
    """Not readable now because the keyring is locked: a saved key may well exist."""


class Credentials:
    """A snapshot of every credential the engine may use."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = dict(os.environ if env is None else env)
        self._keyring: dict[str, str] = {}
        self.keyring_error: str | None = None
        self.keyring_locked = False
        """The last read found the keyring locked: keys there are unknown, not absent."""
        self.version = 0
        """Bumped on every change, so caches keyed on it notice new or removed keys."""
        self._loading: asyncio.Future[None] | None = None

    # --- Loading in the background ----------------------------------------------------------

    def load_in_background(self, loading: asyncio.Future[None]) -> None:
        """The first keyring read runs as ``loading``; requests wait for it (:meth:`ready`).

        Why: a locked keyring may wait for an unlock prompt for minutes. The window must
        appear meanwhile (issue 8); only a request that needs a key waits.
        """
        self._loading = loading

    @property
    def loaded(self) -> bool:
        """False while the first read still runs: nothing is known about keyring keys yet."""
        return self._loading is None or self._loading.done()

    def stop_loading(self) -> None:
        """Give up on a first read still running (the app is closing)."""
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()

    @property
    def loading(self) -> bool:
        """The first keyring read is still running: :meth:`ready` would wait for it."""
        loading = self._loading
        return loading is not None and not loading.done()

    async def ready(self) -> None:
        """Wait until the first keyring read is over (at once when it is)."""
        loading = self._loading
        if loading is not None and not loading.done():
            await asyncio.shield(loading)

    def __repr__(self) -> str:
        return f"Credentials(present={sorted(self._names())})"

    def _names(self) -> list[str]:
        names = [n for n in self._keyring]
        names += [p for p in PROVIDERS if self._env_key(p)[0]]
        if self._env.get("HF_TOKEN"):
            names.append(HF_CREDENTIAL)
        return names

    async def refresh(
        self, getter: Callable[[str], str | None], users: Iterable[str], executor: Executor | None
    ) -> None:
        """Read every user's secret from the keyring off the event loop.

        A keyring failure is remembered as one sentence (``keyring_error``) and the environment
        still works, so a machine without a Secret Service can run on ``HF_TOKEN``.
        """
        wanted = list(dict.fromkeys([HF_CREDENTIAL, *PROVIDERS, *users]))

        def read_all() -> dict[str, str]:
            found: dict[str, str] = {}
            for user in wanted:
                value = getter(user)
                if value:
                    found[user] = value
            return found

        try:
            self._keyring = await asyncio.get_running_loop().run_in_executor(executor, read_all)
            self.keyring_error = None
            self.keyring_locked = False
            self.version += 1
        except Exception as exc:  # keyring backends raise many types; keep the sentence
            self.keyring_error = str(exc) or "The system keyring could not be read."
            self.keyring_locked = isinstance(exc, KeyringLocked)

    def remember(self, user: str, secret: str | None) -> None:
        """Update the snapshot after the UI saved or deleted a secret."""
        if secret:
            self._keyring[user] = secret
        else:
            self._keyring.pop(user, None)
        self.version += 1

    def _env_key(self, provider_id: str) -> tuple[str | None, str | None]:
        spec = PROVIDERS.get(provider_id)
        for var in spec.env_keys if spec else ():
            value = self._env.get(var)
            if value:
                return value, var
        return None, None

    def hf_token(self) -> str | None:
        """The HF token: ``HF_TOKEN`` wins over the keyring (it is set "on top")."""
        return self._env.get("HF_TOKEN") or self._keyring.get(HF_CREDENTIAL)

    def provider_key(self, provider_id: str) -> str | None:
        """A provider's own key (or a custom endpoint's key): environment first, then keyring."""
        value, _ = self._env_key(provider_id)
        return value or self._keyring.get(provider_id)

    def info(self, user: str) -> CredentialInfo:
        """Presence and source of one credential, never its value."""
        if user == HF_CREDENTIAL:
            if self._env.get("HF_TOKEN"):
                return CredentialInfo(True, "env:HF_TOKEN")
        else:
            value, var = self._env_key(user)
            if value:
                return CredentialInfo(True, f"env:{var}")
        if user in self._keyring:
            return CredentialInfo(True, "keyring")
        return CredentialInfo(False, locked=self.keyring_locked)

    def any(self) -> bool:
        """Whether at least one credential exists at all."""
        return bool(self._names())
