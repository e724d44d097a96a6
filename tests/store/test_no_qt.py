"""The store must stay importable without Qt (DESIGN §2): the command line and the worker
threads use it, and CI runs these tests in a venv without PySide6."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_store_imports_no_qt() -> None:
    code = (
        "import sys\n"
        "import desktop.store.history, desktop.store.media, desktop.store.paths\n"
        "import desktop.store.secrets, desktop.store.settings, desktop.store.state\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'qasync', 'shiboken6', 'desktop.ui') or m.startswith('desktop.ui'))\n"
        "print(','.join(bad))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
