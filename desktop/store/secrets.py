"""API keys and the HF token, kept only in the operating system's keyring.

Every secret goes through ``keyring`` under service ``switchboard`` with the provider id as
user name (``huggingface`` for the HF token; DESIGN §4). There is deliberately no fallback
file or home-made encryption: when no keyring exists (a headless Linux box) we say so in one
sentence, and the environment variables still work. Keyring calls can block on D-Bus or an
unlock prompt, so every method here is blocking and the caller runs it in an executor.

A secret never appears in a log line or an exception message: errors are re-raised as our own
types with a scrubbed message and without the original exception chained to them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keyring itself is imported on first use, off the window's start-up path
    from keyring.backend import KeyringBackend

from desktop.core.errors import SwitchboardError

log = logging.getLogger(__name__)

SERVICE = "switchboard"

UNAVAILABLE_MESSAGE = (
    "No system keyring is available, so keys cannot be saved. Install and unlock a Secret "
    "Service such as GNOME Keyring or KWallet, or set the key in an environment variable."
)


class SecretStoreError(SwitchboardError):
    """The keyring failed; ``str()`` is a user-facing message that never holds the secret."""


class KeyringUnavailable(SecretStoreError):
    """No usable keyring exists (none installed, none running, or it stays locked)."""

    def __init__(self, message: str = UNAVAILABLE_MESSAGE) -> None:
        super().__init__(message)


LOCKED_MESSAGE = (
    "The system keyring is locked, so your saved keys can't be read right now. Unlock it "
    "(usually with your login password) and try again; your keys are still there."
)


class KeyringLocked(SecretStoreError):
    """A keyring exists but is locked (or its unlock prompt was dismissed): keys are kept
    there, just unreadable until the person unlocks it. Never shown as "not set"."""

    def __init__(self, message: str = LOCKED_MESSAGE) -> None:
        super().__init__(message)


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "there is no keyring to talk to", as opposed to "this call failed"."""
    import keyring.errors

    return (keyring.errors.NoKeyringError, keyring.errors.InitError)


# secretstorage's "no daemon" error, matched by name because that package only exists on Linux.
_UNAVAILABLE_NAMES = frozenset({"SecretServiceNotAvailableException"})


# A keyring that is there but locked: keyring's own error, and secretstorage's "the unlock
# prompt was dismissed" (also what a locked collection without a prompter answers).
def _locked_errors() -> tuple[type[BaseException], ...]:
    import keyring.errors

    return (keyring.errors.KeyringLocked,)


_LOCKED_NAMES = frozenset({"PromptDismissedException", "LockedException"})


def _is_unavailable_backend(backend: KeyringBackend) -> bool:
    """The "fail" backend, or a chainer with nothing to chain, cannot store anything."""
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return True
    if isinstance(backend, chainer.ChainerBackend):
        return not list(backend.backends)
    return False


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "[hidden]")
    return " ".join(text.split())[:200]


class SecretStore:
    """Blocking get/set/delete of one secret per provider id.

    Attributes:
        service: the keyring service name (``switchboard``; tests may use another).
    """

    def __init__(self, backend: KeyringBackend | None = None, *, service: str = SERVICE) -> None:
        """Use ``backend`` if given, else whatever ``keyring.get_keyring()`` returns at call
        time (so ``keyring.set_keyring`` in tests takes effect)."""
        self._fixed_backend = backend
        self.service = service

    def backend(self) -> KeyringBackend:
        """The keyring backend in use."""
        if self._fixed_backend is not None:
            return self._fixed_backend
        import keyring

        return keyring.get_keyring()

    def available(self) -> bool:
        """Whether a real keyring backend is configured (no D-Bus round trip beyond keyring's
        own discovery; a locked keyring still counts as available)."""
        try:
            return not _is_unavailable_backend(self.backend())
        except Exception:  # discovery itself failed: same as having no keyring
            log.debug("Keyring discovery failed", exc_info=True)
            return False

    def _usable_backend(self) -> KeyringBackend:
        backend = self.backend()
        if _is_unavailable_backend(backend):
            raise KeyringUnavailable()
        return backend

    def get(self, user: str) -> str | None:
        """The stored secret for ``user``, or None if there is none."""
        backend = self._usable_backend()
        try:
            return backend.get_password(self.service, user)
        except Exception as exc:
            raise self._translate(exc, "read", user, None) from None

    def set(self, user: str, secret: str) -> None:
        """Store (or replace) the secret for ``user``; surrounding whitespace is trimmed,
        because pasted keys often carry a newline."""
        value = secret.strip()
        if not value:
            raise ValueError("The key is empty.")
        backend = self._usable_backend()
        try:
            backend.set_password(self.service, user, value)
        except Exception as exc:
            raise self._translate(exc, "save", user, value) from None
        log.info("Saved the key for %s in the keyring", user)

    def delete(self, user: str) -> None:
        """Remove the secret for ``user``; nothing happens if there is none."""
        import keyring.errors

        backend = self._usable_backend()
        try:
            backend.delete_password(self.service, user)
        except keyring.errors.PasswordDeleteError as exc:
            # Backends raise this both for "not found" and for real failures; tell them apart.
            if self.get(user) is None:
                return
            raise self._translate(exc, "delete", user, None) from None
        except Exception as exc:
            raise self._translate(exc, "delete", user, None) from None
        log.info("Deleted the key for %s from the keyring", user)

    def _translate(
        self, exc: Exception, action: str, user: str, secret: str | None
    ) -> SecretStoreError:
        """Our error for a backend failure, its message scrubbed of the secret.

        The original exception is not chained (callers use ``from None``) because its text or
        traceback locals might hold the secret; only its type name is logged.
        """
        log.warning("Keyring failed to %s the key for %s (%s)", action, user, type(exc).__name__)
        if isinstance(exc, _locked_errors()) or type(exc).__name__ in _LOCKED_NAMES:
            return KeyringLocked()
        if isinstance(exc, _unavailable_errors()) or type(exc).__name__ in _UNAVAILABLE_NAMES:
            return KeyringUnavailable()
        reason = _scrub(str(exc), secret)
        message = f"The system keyring could not {action} the key for {user}"
        return SecretStoreError(f"{message}: {reason}." if reason else f"{message}.")
