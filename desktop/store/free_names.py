"""New files never replace the user's own: a free name next to the one asked for.

Why: ``switchboard image --out FOLDER`` used to write ``image-1.png`` over a picture the user
already had there. Every command that writes a file, and every "Save as" default, goes through
:func:`claim` (or :func:`first_free` for a name only suggested), so the only file replaced is
one the user named with ``--force`` or confirmed in a dialog.
"""

from __future__ import annotations

import os
from pathlib import Path

MAX_TRIES = 10_000


def _numbered(path: Path, n: int) -> Path:
    return path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")


def first_free(path: Path) -> Path:
    """``path`` when nothing is there, else ``name-2.ext``, ``name-3.ext`` … (not reserved)."""
    for n in range(1, MAX_TRIES):
        candidate = _numbered(path, n)
        if not os.path.lexists(candidate):
            return candidate
    raise FileExistsError(f"no free name like {path.name} in {path.parent}")


def claim(path: Path, *, force: bool = False) -> Path:
    """Blocking: create an empty file at ``path`` or the first free name like it; return it.

    Creating the file (``O_EXCL``) reserves the name, so two runs writing into one folder at
    the same time cannot pick the same one. With ``force`` the named file itself is used (and
    will be replaced) unless it is a folder.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if force and not path.is_dir():
        return path
    for n in range(1, MAX_TRIES):
        candidate = _numbered(path, n)
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise FileExistsError(f"no free name like {path.name} in {path.parent}")
