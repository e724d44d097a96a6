"""An interpreter that starts Switchboard as a user's installation does, for the CLI figures.

Why not this venv's own: Switchboard is installed here in editable mode, and the editable
install's ``.pth`` hook runs at every interpreter start, ``python -c pass`` included. It
imports ``pathlib``, ``urllib.parse``, ``ipaddress``, ``fnmatch``, ``importlib.util`` …,
close to half of ``python -c pass`` here. A user's install (a wheel, the source tarball) has
no such hook: its ``python -c pass`` is that much shorter, and ``switchboard`` imports those
modules itself. Measured in this venv, "≤ 5× ``python -c pass``" was about twice as lenient
as it is on a user's machine.

The venv made here sees the same packages and this tree through one ``.pth`` file of plain
paths (which imports nothing), and runs commands through a ``switchboard`` script like the one
an install writes (``from desktop.app import main``), so there is no ``python -m`` either.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

SCRIPT = """#!{python}
import sys
from desktop.app import main
if __name__ == '__main__':
    sys.argv[0] = sys.argv[0].removesuffix('.exe')
    sys.exit(main())
"""
"""The console script an install writes for ``switchboard = desktop.app:main``."""


@dataclass(frozen=True)
class InstalledApp:
    python: str
    """``python`` of the plain venv: the baseline runs ``python -c pass`` with it."""
    switchboard: str
    """The ``switchboard`` console script."""


def make(folder: Path, root: Path) -> InstalledApp:
    """A venv in ``folder`` that imports this venv's packages and the ``desktop`` of ``root``
    without running any of this venv's ``.pth`` hooks."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = dict.fromkeys(
        [str(root), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    )
    (Path(site) / "switchboard-bench.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    script = python.parent / "switchboard"
    script.write_text(SCRIPT.format(python=python), encoding="utf-8")
    script.chmod(0o755)
    return InstalledApp(str(python), str(script))
