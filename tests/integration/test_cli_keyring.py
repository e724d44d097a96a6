"""`switchboard providers set-key` stores a key in the real Secret Service and chat uses it.

Only runs inside the private D-Bus session that `make keyring-test` starts (it sets
SWITCHBOARD_PRIVATE_KEYRING=1), because it writes under the real service name "switchboard".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import ROOT, clean_env
from tests.emulator import LLAMA_8B, Emulator, direct_key

pytestmark = [
    pytest.mark.keyring_real,
    pytest.mark.skipif(
        os.environ.get("SWITCHBOARD_PRIVATE_KEYRING") != "1",
        reason="needs the private gnome-keyring session of `make keyring-test`",
    ),
]


def test_set_key_reaches_the_keyring_and_never_a_file(tmp_path: Path) -> None:
    with Emulator() as emu:
        env = (
            clean_env()
            | emu.env()
            | {
                "XDG_DATA_HOME": str(tmp_path / "data"),
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "XDG_CACHE_HOME": str(tmp_path / "cache"),
                "PYTHONPATH": str(ROOT),
            }
        )

        def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "desktop", *args],
                input=stdin,
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                timeout=60,
            )

        secret = direct_key("groq")
        stored = run("providers", "set-key", "groq", stdin=secret + "\n")
        assert stored.returncode == 0, stored.stderr
        assert secret not in stored.stdout + stored.stderr
        rows = json.loads(run("providers", "list", "--json").stdout)
        groq = next(r for r in rows if r["id"] == "groq")
        assert groq["key"] and groq["reach"].startswith("own key")
        answer = run("chat", "--model", LLAMA_8B, "--json", "Hi")
        assert answer.returncode == 0, answer.stderr
        data = json.loads(answer.stdout)
        assert data["via"] == "direct" and data["provider"] == "groq"
        assert emu.requests_for("groq")[-1].authorization == f"Bearer {secret}"
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
        removed = run("providers", "delete-key", "groq")
        assert removed.returncode == 0


def test_a_key_in_a_custom_address_goes_to_the_keyring(tmp_path: Path) -> None:
    with Emulator() as emu:
        env = (
            clean_env()
            | emu.env()
            | {
                "XDG_DATA_HOME": str(tmp_path / "data"),
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "XDG_CACHE_HOME": str(tmp_path / "cache"),
                "PYTHONPATH": str(ROOT),
            }
        )

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "desktop", *args],
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                timeout=60,
            )

        secret = direct_key("groq")
        base = emu.direct_url("groq").replace("http://", f"http://me:{secret}@") + "/openai/v1"
        added = run(
            "providers", "add-custom", "lab", "--url", base, "--model", "mine=llama-3.1-8b-instant"
        )
        assert added.returncode == 0, added.stderr
        assert "moved to the system keyring" in added.stderr
        listed = run("providers", "list")
        assert secret not in added.stdout + added.stderr + listed.stdout + listed.stderr
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
        answer = run("chat", "--model", "mine", "--provider", "lab", "--json", "Hi")
        assert answer.returncode == 0, answer.stderr
        assert json.loads(answer.stdout)["status"] == "complete"
        run("providers", "remove", "lab")
