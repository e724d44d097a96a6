"""The keyring backend a frozen build names explicitly, and the start-up self-test's words."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail, null

from desktop.store import keyring_setup
from desktop.store.secrets import SecretStore
from tests.memory_keyring import MemoryKeyring


def test_a_frozen_build_takes_the_first_backend_that_works() -> None:
    report = keyring_setup.self_test(
        candidates=["keyring.backends.does_not_exist.Keyring", "tests.memory_keyring.MemoryKeyring"]
    )
    assert report.ok and report.explicit
    assert isinstance(keyring.get_keyring(), MemoryKeyring)
    assert report.sentence().startswith("Keys are kept in the system keyring (")
    assert keyring_setup.last_report() == report
    # The chosen backend is the one secrets are stored in.
    SecretStore().set("groq", "gsk_value")
    assert keyring.get_keyring().get_password("switchboard", "groq") == "gsk_value"


def test_without_any_backend_keys_are_refused_and_the_reason_is_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setattr(keyring_setup, "platform_key", lambda platform="": "linux")
    report = keyring_setup.self_test(frozen=True)
    assert not report.ok and report.backend is None
    # Each platform backend that was tried is named with its own reason.
    assert "Secret Service: " in (report.problem or "")
    assert "DBUS_SESSION_BUS_ADDRESS" in (report.problem or "")
    assert "KWallet: " in (report.problem or "")
    sentence = report.sentence()
    assert sentence.startswith("No system keyring was found (Secret Service: ")
    assert "environment variable" in sentence
    # Nothing silently pretends to store keys: the fail backend is in place.
    assert isinstance(keyring.get_keyring(), fail.Keyring)
    assert not SecretStore().available()


def test_a_source_install_keeps_keyrings_own_choice() -> None:
    before = keyring.get_keyring()
    report = keyring_setup.self_test(frozen=False)
    assert keyring.get_keyring() is before
    assert report.ok and not report.explicit


@pytest.mark.parametrize(
    ("backend", "words"),
    [(fail.Keyring(), "none is installed or running"), (null.Keyring(), "keeps nothing")],
)
def test_a_useless_backend_is_reported(backend: object, words: str) -> None:
    keyring.set_keyring(backend)  # the autouse fixture restores the memory keyring
    report = keyring_setup.self_test(frozen=False)
    assert not report.ok
    assert words in report.sentence()


def test_each_platform_names_its_backends() -> None:
    assert keyring_setup.platform_key("linux") == "linux"
    assert keyring_setup.platform_key("freebsd14") == "linux"
    assert keyring_setup.FROZEN_BACKENDS["linux"][0] == "keyring.backends.SecretService.Keyring"
    assert keyring_setup.FROZEN_BACKENDS["darwin"] == ("keyring.backends.macOS.Keyring",)
    assert keyring_setup.FROZEN_BACKENDS["win32"] == ("keyring.backends.Windows.WinVaultKeyring",)
