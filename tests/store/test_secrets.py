"""SecretStore over keyring: round trip in memory, and clear errors that never leak a secret."""

from __future__ import annotations

import logging
from typing import NoReturn

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from keyring.errors import KeyringLocked, PasswordSetError

from desktop.store.secrets import (
    SERVICE,
    UNAVAILABLE_MESSAGE,
    KeyringUnavailable,
    SecretStore,
    SecretStoreError,
)
from desktop.store.secrets import KeyringLocked as SecretsLocked
from tests.memory_keyring import MemoryKeyring

SECRET = "hf_SuperSecretToken1234567890"


def test_fakes_are_not_discovered() -> None:
    """Defining test backends must not change what keyring picks on its own."""
    from keyring.backend import get_all_keyring

    assert not any(isinstance(b, (MemoryKeyring, LeakyBackend)) for b in get_all_keyring())


def test_round_trip(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    assert store.available()
    assert store.get("huggingface") is None
    store.set("huggingface", f"  {SECRET}\n")  # pasted with whitespace
    assert store.get("huggingface") == SECRET
    assert memory_keyring.entries == {(SERVICE, "huggingface"): SECRET}
    store.set("huggingface", "hf_other")
    assert store.get("huggingface") == "hf_other"
    store.delete("huggingface")
    assert store.get("huggingface") is None
    store.delete("huggingface")  # absent: no error
    store.delete("never-set")


def test_empty_secret_is_refused(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(ValueError):
        SecretStore().set("groq", "  \n")
    assert memory_keyring.entries == {}


def test_explicit_backend_and_service() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend, service="switchboard-test")
    store.set("groq", SECRET)
    assert backend.entries == {("switchboard-test", "groq"): SECRET}
    assert store.backend() is backend


def test_fail_backend_is_unavailable(
    restore_keyring: None, caplog: pytest.LogCaptureFixture
) -> None:
    keyring.set_keyring(fail.Keyring())
    store = SecretStore()
    assert not store.available()
    caplog.set_level(logging.DEBUG)
    for call in (
        lambda: store.set("groq", SECRET),
        lambda: store.get("groq"),
        lambda: store.delete("groq"),
    ):
        with pytest.raises(KeyringUnavailable) as info:
            call()
        assert str(info.value) == UNAVAILABLE_MESSAGE
        assert SECRET not in str(info.value)
        assert SECRET not in repr(info.value)
    assert SECRET not in caplog.text


def test_empty_chainer_is_unavailable(
    restore_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(chainer.ChainerBackend())
    store = SecretStore()
    assert not store.available()
    with pytest.raises(KeyringUnavailable):
        store.set("groq", SECRET)


class LeakyBackend(KeyringBackend):
    """A backend whose errors repeat the password, as a careless one might."""

    priority = 1
    viable = False  # keep this fake out of keyring's auto-discovery

    def get_password(self, service: str, username: str) -> NoReturn:
        raise RuntimeError("dbus said: org.freedesktop.DBus.Error.NoReply")

    def set_password(self, service: str, username: str, password: str) -> NoReturn:
        raise PasswordSetError(f"cannot store {password!r} for {username}")

    def delete_password(self, service: str, username: str) -> NoReturn:
        raise KeyringLocked("Failed to unlock the collection!")


def test_backend_errors_never_contain_the_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = SecretStore(LeakyBackend())
    with pytest.raises(SecretStoreError) as info:
        store.set("groq", SECRET)
    message = str(info.value)
    assert SECRET not in message
    assert "could not save the key for groq" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    with pytest.raises(SecretStoreError, match="could not read the key for groq"):
        store.get("groq")
    # a locked keyring is locked, not missing: the sentence says so and how to unlock it
    with pytest.raises(SecretsLocked, match=r"locked.*Unlock it") as locked:
        store.delete("groq")
    assert not isinstance(locked.value, KeyringUnavailable)
    assert SECRET not in caplog.text


def test_secret_is_not_logged(
    memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = SecretStore()
    store.set("groq", SECRET)
    store.get("groq")
    store.delete("groq")
    assert SECRET not in caplog.text


class LockedBackend(KeyringBackend):
    priority = 1

    def get_password(self, service: str, username: str) -> NoReturn:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> NoReturn:
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> NoReturn:
        raise KeyringLocked("Failed to unlock the collection!")


async def test_locked_keys_are_unknown_not_absent() -> None:
    from desktop.engine.credentials import Credentials

    store = SecretStore(LockedBackend())
    credentials = Credentials({})
    await credentials.refresh(store.get, ["groq"], None)
    assert credentials.keyring_locked and "locked" in (credentials.keyring_error or "")
    info = credentials.info("groq")
    assert not info.present and info.locked
