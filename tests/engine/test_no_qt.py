"""The engine, providers, services and command line never load Qt (DESIGN §2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_core_and_cli_import_without_qt() -> None:
    # PySide6 is made unimportable, so any import of it, direct or indirect, fails loudly.
    code = (
        "import sys\n"
        "for name in ('PySide6', 'qasync', 'shiboken6'):\n"
        "    sys.modules[name] = None\n"
        "import desktop.cli, desktop.services, desktop.engine.router\n"
        "import desktop.engine.conversations, desktop.providers.openai_chat\n"
        "print('ok')\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
