"""Which keyring backend Switchboard uses, chosen explicitly in a frozen build, and a
start-up self-test whose one sentence the About box and ``switchboard about`` show.

Why explicit: keyring finds its backends through package entry points, and a PyInstaller
bundle carries no ``*.dist-info`` for them unless asked, so a frozen app would silently fall
back to the "fail" backend and every saved key would look missing. In a frozen build we
therefore name the platform's backend (Secret Service or KWallet on Linux, the Keychain on
macOS, the Credential Locker on Windows), take the first that answers, and say plainly when
none does. A source checkout or a wheel keeps keyring's own discovery (and tests keep their
in-memory keyring).

The self-test asks only whether a backend can be reached (keyring's ``priority`` check: one
D-Bus round trip on Linux); it never reads, writes or unlocks a secret. It blocks, so the
window runs it in an executor.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

log = logging.getLogger(__name__)

FROZEN_BACKENDS: dict[str, tuple[str, ...]] = {
    "linux": (
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
    ),
    "darwin": ("keyring.backends.macOS.Keyring",),
    "win32": ("keyring.backends.Windows.WinVaultKeyring",),
}
"""Per platform, the backends a frozen build tries in order (packaging/ bundles each)."""

NO_KEYRING = (
    "No system keyring was found ({reason}), so keys cannot be saved. Install and unlock a "
    "Secret Service such as GNOME Keyring or KWallet, or set the key in an environment "
    "variable (HF_TOKEN, GROQ_API_KEY …)."
)


@dataclass(frozen=True)
class KeyringReport:
    """The outcome of the start-up self-test.

    Attributes:
        backend: the backend's own name ("SecretService Keyring"), or None when there is none.
        problem: why no keyring can be used, in words; None when one can.
        explicit: True when the backend was chosen by name (a frozen build).
    """

    backend: str | None
    problem: str | None = None
    explicit: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None and self.backend is not None

    def sentence(self) -> str:
        """One line for people: where keys are kept, or why they cannot be."""
        if self.ok:
            return f"Keys are kept in the system keyring ({self.backend})."
        return NO_KEYRING.format(reason=self.problem or "none is installed")


_last: KeyringReport | None = None


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def platform_key(platform: str = sys.platform) -> str:
    """``linux`` for every X11/Wayland Unix, else ``darwin`` or ``win32``."""
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return "linux"
    return platform


def last_report() -> KeyringReport | None:
    """The report of the latest :func:`self_test` in this process (None before it ran)."""
    return _last


def self_test(
    *, frozen: bool | None = None, candidates: Sequence[str] | None = None
) -> KeyringReport:
    """Choose the backend (explicitly when frozen) and check it can be reached.

    Blocking (D-Bus on Linux): call it from a thread when a window is open.
    """
    global _last
    frozen = is_frozen() if frozen is None else frozen
    if frozen or candidates is not None:
        names = FROZEN_BACKENDS.get(platform_key(), ()) if candidates is None else candidates
        report = _choose(names)
    else:
        report = _check(keyring.get_keyring())
    _last = report
    if report.ok:
        log.debug("Keyring: %s", report.backend)
    else:
        # info, not warning: the CLI's stderr must stay one line; About shows the sentence.
        log.info("Keyring: %s", report.problem)
    return report


def _choose(names: Sequence[str]) -> KeyringReport:
    reasons: list[str] = []
    for dotted in names:
        module_name, _, class_name = dotted.rpartition(".")
        try:
            backend_type = getattr(importlib.import_module(module_name), class_name)
            backend_type.priority  # noqa: B018 - raises when the backend cannot work here
            backend: KeyringBackend = backend_type()
        except Exception as exc:  # ImportError, RuntimeError from D-Bus, … : one reason each
            reasons.append(f"{class_name_of(dotted)}: {_short(exc)}")
            continue
        keyring.set_keyring(backend)
        return KeyringReport(backend=_name(backend), explicit=True)
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    return KeyringReport(
        backend=None, problem="; ".join(reasons) or "none for this system", explicit=True
    )


def _check(backend: KeyringBackend) -> KeyringReport:
    if isinstance(backend, fail.Keyring) or (
        isinstance(backend, chainer.ChainerBackend) and not list(backend.backends)
    ):
        return KeyringReport(backend=None, problem="none is installed or running")
    if isinstance(backend, null.Keyring):
        return KeyringReport(
            backend=None, problem="the null keyring, which keeps nothing, is configured"
        )
    return KeyringReport(backend=_name(backend))


def _name(backend: KeyringBackend) -> str:
    return str(getattr(backend, "name", "") or type(backend).__name__)


FRIENDLY = {
    "SecretService": "Secret Service",
    "kwallet": "KWallet",
    "macOS": "macOS Keychain",
    "Windows": "Windows Credential Locker",
}


def class_name_of(dotted: str) -> str:
    """``keyring.backends.SecretService.Keyring`` → ``Secret Service``: the name people know."""
    module = dotted.split(".")[-2] if "." in dotted else dotted
    return FRIENDLY.get(module, module)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]
