"""An in-memory keyring backend, so no test ever touches a real keychain (style.md §5.4).

Install it with ``keyring.set_keyring(MemoryKeyring())``; it is hidden from keyring's
auto-discovery, so merely importing it changes nothing. It behaves like the real backends
where it matters: ``delete_password`` of a missing entry raises ``PasswordDeleteError``.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Secrets in a dict keyed by (service, user name)."""

    priority = 1  # above the "fail" backend (0), below real ones (5+)
    # Every KeyringBackend subclass registers itself for keyring's auto-discovery; a viable
    # one would make keyring pick a chainer of test fakes instead of the real default.
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise PasswordDeleteError("No such password!") from None
