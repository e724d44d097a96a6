"""Run a script in a fresh interpreter and read the JSON it prints last.

Why a fresh process: what a start-up or a command imports is only honest in an interpreter
that imported nothing before it (tests of issue 8: the window's first paint, an idle window,
the command line's quick commands).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def last_json(
    script: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> Any:
    """``python -c SCRIPT ARGS…`` from the repository's root; its last stdout line that is a
    JSON object or list, decoded (the test fails with the child's stderr when there is none)."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(("{", "["))]
    assert lines, done.stderr[-2000:]
    return json.loads(lines[-1])
