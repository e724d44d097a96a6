"""Where the shipped data files (``resources/``) are read from, in a checkout and installed.

A source checkout (or a worktree) has ``resources/`` next to the ``desktop`` package and that
copy wins, so an editable install that points at another checkout still reads this one's
files. An installed wheel carries the same files as the package ``desktop.resources``
(pyproject maps the top-level folder onto it).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import desktop

CHECKOUT = Path(desktop.__file__).resolve().parent.parent
SOURCE_DIR = CHECKOUT / "resources"


def read_text(name: str) -> str:
    """The text of one shipped file, e.g. ``starter_models.json``."""
    return read_bytes(name).decode("utf-8")


def read_bytes(name: str) -> bytes:
    """The bytes of one shipped file, e.g. ``icons/hicolor/48x48/apps/switchboard.png``."""
    # Only a checkout (pyproject.toml beside it), never a stray site-packages/resources.
    if (CHECKOUT / "pyproject.toml").is_file() and (SOURCE_DIR / name).is_file():
        return (SOURCE_DIR / name).read_bytes()
    if getattr(sys, "frozen", False):  # PyInstaller: packaging/ puts them beside the code
        return (Path(desktop.__file__).resolve().parent / "resources" / name).read_bytes()
    # joinpath one part at a time: a zipped or frozen reader may not split "a/b".
    target = resources.files("desktop.resources")
    for part in name.split("/"):
        target = target.joinpath(part)
    return target.read_bytes()


@cache
def read_json(name: str) -> Any:
    """A shipped JSON file, parsed once per process (the files are a few kilobytes)."""
    return json.loads(read_text(name))


def icon_names() -> list[str]:
    """The names of the shipped icons (``resources/icons/<name>.svg``), sorted."""
    if (CHECKOUT / "pyproject.toml").is_file() and (SOURCE_DIR / "icons").is_dir():
        return sorted(p.stem for p in (SOURCE_DIR / "icons").glob("*.svg"))
    folder = resources.files("desktop.resources").joinpath("icons")
    return sorted(e.name[:-4] for e in folder.iterdir() if e.name.endswith(".svg"))


@cache
def icon_svg(name: str) -> str:
    """One icon's SVG text (``app``, ``chat``, ``images`` …). Tab icons draw in
    ``currentColor`` so the window can colour them for the light or dark palette."""
    return read_text(f"icons/{name}.svg")
