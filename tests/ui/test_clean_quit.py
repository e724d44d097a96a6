"""Quitting after "Copy picture" is clean: Qt must not delete our clipboard data after Python.

A ``QMimeData`` made in Python and left on the clipboard is deleted by Qt's exit handlers once
the interpreter has gone, and the process dies with a segmentation fault. The app hands the
clipboard over to Qt when its loop ends; this runs the same steps in a fresh process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

pytestmark = pytest.mark.gui

SCRIPT = """
import asyncio
import sys
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from desktop.ui.widgets.file_actions import copy_image, hand_over_clipboard

async def read_blocking(fn, *args):
    return fn(*args)

def main(path, hand_over):
    app = QApplication(sys.argv[:1])
    clipboard = app.clipboard()
    asyncio.run(copy_image(read_blocking, path))  # what "Copy picture" does
    if hand_over == "yes":
        hand_over_clipboard()  # what the app does when its loop ends
        print("image kept:", clipboard.mimeData().hasImage(), flush=True)
    return 0

raise SystemExit(main(sys.argv[1], sys.argv[2]))
"""


def quit_after_copy(tmp_path: Path, hand_over: str) -> subprocess.CompletedProcess[str]:
    picture = tmp_path / "fox.png"
    image = QImage(32, 24, QImage.Format.Format_RGB32)
    image.fill(QColor("orange"))
    assert image.save(str(picture))
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(picture), hand_over],
        capture_output=True,
        text=True,
        timeout=40,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_quitting_after_copying_a_picture_exits_cleanly_and_keeps_the_picture(
    tmp_path: Path,
) -> None:
    done = quit_after_copy(tmp_path, "yes")
    assert done.returncode == 0, done.stderr
    assert "image kept: True" in done.stdout


def test_without_the_hand_over_the_process_crashes_at_exit(tmp_path: Path) -> None:
    """The trap itself, so the test above keeps meaning something if Qt ever changes."""
    done = quit_after_copy(tmp_path, "no")
    if done.returncode == 0:
        pytest.skip("this Qt no longer crashes on a Python-owned clipboard at exit")
    assert done.returncode < 0 and "Traceback" not in done.stderr  # killed by a signal
