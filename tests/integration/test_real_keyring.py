"""A secret round trip through the real Secret Service (gnome-keyring), not a fake.

Run inside a private D-Bus session with an unlocked gnome-keyring (RECIPES.md):

    dbus-run-session -- sh -c 'echo pw | gnome-keyring-daemon --unlock --components=secrets \
        >/dev/null 2>&1; python -m pytest tests/integration -q'

Elsewhere the test skips, saying why. It uses its own service name and a random user, so it
can never overwrite a real Switchboard key even on a developer's desktop.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, chainer

from desktop.store.secrets import SecretStore

pytestmark = pytest.mark.keyring_real

TEST_SERVICE = "switchboard-integration-test"


def _is_secret_service(backend: KeyringBackend) -> bool:
    if isinstance(backend, SecretService.Keyring):
        return True
    return isinstance(backend, chainer.ChainerBackend) and any(
        isinstance(b, SecretService.Keyring) for b in backend.backends
    )


@pytest.fixture
def real_keyring() -> Iterator[KeyringBackend]:
    """The Secret Service backend, or a skip that says why there is none.

    If a test-wide fixture installed an in-memory keyring, the real one is installed for this
    test only (when a Secret Service is reachable) and the previous backend put back after.
    """
    previous = keyring.get_keyring()
    if _is_secret_service(previous):
        yield previous
        return
    try:
        SecretService.Keyring.priority  # noqa: B018  # raises when no daemon is reachable
    except Exception as exc:
        pytest.skip(
            "no Secret Service is reachable (keyring.get_keyring() is "
            f"{type(previous).__module__}.{type(previous).__name__}: {exc}); run inside "
            "dbus-run-session with gnome-keyring-daemon --unlock"
        )
    backend = SecretService.Keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_round_trip_through_secret_service(real_keyring: KeyringBackend) -> None:
    store = SecretStore(service=TEST_SERVICE)
    user = f"test-{uuid.uuid4().hex[:12]}"
    secret = f"sk-{uuid.uuid4().hex}"
    assert store.available()
    assert store.backend() is real_keyring
    try:
        assert store.get(user) is None
        store.set(user, secret)
        assert store.get(user) == secret
        # a fresh backend object reads it back from the daemon, not from any cache
        assert SecretStore(SecretService.Keyring(), service=TEST_SERVICE).get(user) == secret
        store.set(user, secret + "-2")
        assert store.get(user) == secret + "-2"
    finally:
        store.delete(user)
    assert store.get(user) is None
    store.delete(user)  # absent: no error
