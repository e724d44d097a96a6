"""A test stuck in native code that holds the interpreter lock still ends the run.

pytest-timeout's timer is a Python thread and cannot run then; the faulthandler watchdog set
in pyproject.toml is a C thread. This runs a tiny suite in a fresh pytest whose only test
hangs in the regular-expression engine (which never releases the lock), with pytest-timeout
set to 1 s and the project's watchdog settings at 3 s: the run must end with the stacks
printed, not hang.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STUCK_TEST = """
import re


def test_stuck_holding_the_interpreter_lock():
    re.match(r"(a+)+$", "a" * 64 + "b")  # catastrophic backtracking, all in native code
"""


def watchdog_settings(seconds: int) -> list[str]:
    """The project's faulthandler settings (pyproject.toml), with the limit set to ``seconds``."""
    ini = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lines = [line for line in ini.splitlines() if line.startswith("faulthandler_")]
    assert lines == ["faulthandler_timeout = 150", "faulthandler_exit_on_timeout = true"]
    return [f"faulthandler_timeout = {seconds}", "faulthandler_exit_on_timeout = true"]


def test_a_test_stuck_in_native_code_ends_the_run_with_its_stack(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\ntimeout = 1\ntimeout_method = thread\n"
        "asyncio_default_fixture_loop_scope = function\n"
        + "".join(line + "\n" for line in watchdog_settings(3))
    )
    (tmp_path / "test_stuck.py").write_text(STUCK_TEST)
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    env |= {"PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_stuck.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Timeout (0:00:03)!" in done.stderr
    assert "test_stuck.py" in done.stderr  # where it was stuck
