"""The command line loads only what a command needs (issue 8): history and help stay light.

Checked by module, not by time (tests/bench times them): a history command that imported Qt,
the HTTP stack or Pillow would take 10× longer than ``python -c pass``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("PySide6", "httpx2", "httpcore2", "PIL", "keyring", "qasync", "asyncio")

PROBE = """
import json, runpy, sys
heavy = json.loads(sys.argv[2])
sys.argv = ["switchboard", *json.loads(sys.argv[1])]
try:
    runpy.run_module("desktop", run_name="__main__")
except SystemExit:
    pass
loaded = {m.split(".")[0] for m in sys.modules} & set(heavy)
sys.__stdout__.write("\\n" + json.dumps(sorted(loaded)))
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["history", "list"], ["history", "search", "tea"], ["history", "list", "--json"]],
)
def test_light_commands_import_no_heavy_module(argv: list[str], isolated_dirs: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"{argv} imported {loaded}"
