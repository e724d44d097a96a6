"""A locked keyring is told apart from a missing one, with the real gnome-keyring.

Each step runs in its own private ``dbus-run-session`` on a fresh keyring folder (RECIPES.md):
first a session that unlocks the keyring and saves a key, then one whose daemon starts
without unlocking it, so every read raises ``KeyringLocked``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import ROOT, clean_env

pytestmark = [
    pytest.mark.keyring_real,
    pytest.mark.skipif(
        os.environ.get("SWITCHBOARD_PRIVATE_KEYRING") != "1"
        or not shutil.which("dbus-run-session")
        or not shutil.which("gnome-keyring-daemon"),
        reason="needs dbus-run-session and gnome-keyring (run by `make keyring-test`)",
    ),
]

SECRET = "gsk_locked_keyring_test_0123456789"


def in_session(
    tmp: Path, unlock: bool, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``switchboard ARGS`` inside a new private D-Bus session with its own keyring daemon."""
    run_dir = tmp / "run"
    run_dir.mkdir(mode=0o700, exist_ok=True)
    env = clean_env() | {
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "XDG_RUNTIME_DIR": str(run_dir),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    daemon = (
        "echo pw | gnome-keyring-daemon --unlock --components=secrets"
        if unlock
        else "gnome-keyring-daemon --daemonize --components=secrets"
    )
    command = " ".join([sys.executable, "-m", "desktop", *(f"'{a}'" for a in args)])
    script = f"{daemon} >/dev/null 2>&1; {command}"
    return subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=90,
    )


def _daemon_noise(line: str) -> bool:
    """Lines the D-Bus daemon and the (display-less) unlock prompter print, not ours."""
    return "dbus-daemon" in line or "gcr-prompter" in line


def test_a_locked_keyring_is_not_a_missing_key(tmp_path: Path) -> None:
    saved = in_session(tmp_path, True, "providers", "set-key", "groq", stdin=SECRET + "\n")
    assert saved.returncode == 0, saved.stderr
    listed = in_session(tmp_path, False, "providers", "list")
    assert listed.returncode == 0, listed.stderr
    assert "keyring is locked" in listed.stderr and "Traceback" not in listed.stderr
    assert "unknown (keyring locked)" in listed.stdout and "not set" not in listed.stdout
    rows = json.loads(in_session(tmp_path, False, "providers", "list", "--json").stdout)
    assert next(r for r in rows if r["id"] == "groq")["key"] is None  # unknown, not False
    refused = in_session(tmp_path, False, "providers", "set-key", "groq", stdin="new-key\n")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    ours = [ln for ln in refused.stderr.splitlines() if ln.strip() and not _daemon_noise(ln)]
    lines = ours
    assert len(lines) == 1 and "locked" in lines[0], refused.stderr
    assert SECRET not in listed.stdout + listed.stderr + refused.stderr
