"""Run the real ``switchboard`` command line in a subprocess against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import HF_TOKEN, Emulator

ROOT = Path(__file__).resolve().parents[2]


def clean_env() -> dict[str, str]:
    """The parent's environment minus every credential and endpoint override."""
    drop = ("HF_TOKEN", "FAL_KEY", "REPLICATE_API_TOKEN", "CO_API_KEY", "HF_ENDPOINT")
    return {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.endswith("_API_KEY") and not k.startswith("SWITCHBOARD_")
    }


@pytest.fixture
def cli_env(tmp_path: Path, emulator: Emulator) -> dict[str, str]:
    return (
        clean_env()
        | emulator.env()
        | {
            "HF_TOKEN": HF_TOKEN,
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            # Chat and history need no keyring; a null backend keeps the real one untouched.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "PYTHONPATH": str(ROOT),
        }
    )


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(cli_env: dict[str, str]) -> Run:
    def runner(
        *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktop", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env or cli_env,
            timeout=60,
            cwd=ROOT,
        )

    return runner


def as_json(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
