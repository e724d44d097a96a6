"""The installed Qt binding must not corrupt Python's reference counts.

PySide6 6.12.0 on Python 3.11 returns ``None`` from every void method without taking a
reference (fine on 3.12+, where ``None`` is immortal). Each call lowers ``None``'s count by
one until the interpreter aborts with "none_dealloc": in this app that happened after opening
one long conversation. PySide6 6.11.x is correct on 3.11. This test fails loudly on a broken
combination instead of letting the window crash at random later.
"""

from __future__ import annotations

import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QApplication, QLabel


def test_void_methods_keep_none_alive(qapp: QApplication) -> None:
    label = QLabel("x")
    label.setText("warm up")
    before = sys.getrefcount(None)
    for _ in range(500):
        label.setText("a")
    lost = before - sys.getrefcount(None)
    label.deleteLater()
    assert lost < 100, (
        f"PySide6 {pyside_version} on Python {sys.version.split()[0]} loses a reference to "
        f"None on every void call ({lost} in 500 calls); the app would crash. Use PySide6 "
        "6.11.x on Python 3.11, or Python 3.12+."
    )
