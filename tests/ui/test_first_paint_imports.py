"""The window paints before the heavy parts load (issue 8): checked by module, not by time.

tests/bench times start-up; here a fresh ``switchboard`` process (the real ``desktop.app.main``)
records which modules are loaded when its main window first paints. The event loop (asyncio,
qasync), the engine, the HTTP stack and its certificates, the keyring, Pillow and the Markdown
renderer all come after that paint; a module-level import that pulled one of them in front
again would show up here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktop.engine.compare import COMPARE_TASK
from desktop.ui import main_window
from tests.fresh_python import last_json

pytestmark = pytest.mark.gui

AFTER_FIRST_PAINT = (
    "asyncio",
    "qasync",
    "httpx2",
    "httpcore2",
    "h11",
    "certifi",
    "truststore",
    "keyring",
    "secretstorage",
    "jeepney",
    "PIL",
    "markdown_it",
    "pygments",
    "desktop.engine",
    "desktop.providers",
    "desktop.services",
    "desktop.ui.chat.page",
    "PySide6.QtMultimedia",
)

PROBE = """
import json, os, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

watched = json.loads(sys.argv[1])
app = QApplication(["switchboard"])

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and hasattr(obj, "window"):
            window = obj.window()
            if isinstance(window, QMainWindow) and window.isVisible():
                loaded = sorted(
                    m for m in sys.modules
                    if any(m == w or m.startswith(w + ".") for w in watched)
                )
                ready = getattr(window, "ready", None)
                shown = [window.windowTitle(), ready, "desktop.ui.main_window" in sys.modules]
                sys.__stdout__.write("\\n" + json.dumps({"loaded": loaded, "shown": shown}) + "\\n")
                sys.__stdout__.flush()
                os._exit(0)
        return False

watcher = FirstPaint()
app.installEventFilter(watcher)
from desktop.app import main
main(["switchboard"])
"""


def probe_env() -> dict[str, str]:
    """The probes' environment, read when the test runs (its folders are the test's): the
    real start-up path with an in-memory keyring."""
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        # keyring's own variable, as a user may set it: still nothing before the paint.
        "PYTHON_KEYRING_BACKEND": "tests.memory_keyring.MemoryKeyring",
    }


def test_the_window_paints_before_the_engine_http_and_keyring_load(isolated_dirs: Path) -> None:
    result = last_json(PROBE, json.dumps(AFTER_FIRST_PAINT), env=probe_env())
    assert result["shown"] == ["Switchboard", False, True]  # the real window, before services
    assert result["loaded"] == []


def test_the_window_names_the_compare_kind_like_the_engine() -> None:
    # Spelt out in the window so that it imports no engine; the two must agree.
    assert main_window.COMPARE_TASK_NAME == COMPARE_TASK


NOT_WHILE_IDLE = (
    "httpx2",
    "httpcore2",
    "h11",
    "anyio",
    "certifi",
    "truststore",
    "markdown_it",
    "pygments",
    "desktop.providers",
    "desktop.engine.router",
    "desktop.engine.conversations",
    "desktop.engine.model_directory",
    "desktop.engine.compare",
)
"""Made or imported on first use (a question being written, a page that sends), never by a
window that is only open (issue 8: idle memory)."""

IDLE_PROBE = """
import json, os, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

watched = json.loads(sys.argv[1])
app = QApplication(["switchboard"])
found = {}

def report():
    window = found["window"]
    loaded = sorted(
        m for m in sys.modules if any(m == w or m.startswith(w + ".") for w in watched)
    )
    services = window.services
    shown = [window.ready, window.built("chat") is not None, services.engine_ready]
    sys.__stdout__.write("\\n" + json.dumps({"loaded": loaded, "shown": shown}) + "\\n")
    sys.__stdout__.flush()
    os._exit(0)

def wait_ready():
    if found["window"].ready:
        QTimer.singleShot(1500, report)  # idle: as the bench reads memory
    else:
        QTimer.singleShot(20, wait_ready)

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if "window" not in found and event.type() == QEvent.Type.Paint:
            window = obj.window() if hasattr(obj, "window") else None
            if isinstance(window, QMainWindow) and window.isVisible():
                found["window"] = window
                QTimer.singleShot(0, wait_ready)
        return False

watcher = FirstPaint()
app.installEventFilter(watcher)
from desktop.app import main
main(["switchboard"])
"""


def test_an_idle_window_imports_no_http_stack_engine_or_renderer(isolated_dirs: Path) -> None:
    result = last_json(IDLE_PROBE, json.dumps(NOT_WHILE_IDLE), env=probe_env())
    assert result["shown"] == [True, True, False]  # ready, Chat built, no engine yet
    assert result["loaded"] == []
