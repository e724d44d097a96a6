"""Composition root: the command line or the window, one qasync loop, an orderly shutdown.

Why it is shaped like this (style.md §2.1): the QApplication exists first, then one main
coroutine runs on a ``qasync.QEventLoop`` through ``asyncio.Runner``. The coroutine opens the
services, shows the window and waits for a ``quitting`` event; the window sets it after its
own asynchronous cleanup, so Qt never quits under a running coroutine. Qt, qasync and the
engine are imported only when the window is really wanted, so ``switchboard --help`` and
commands stay quick and work without a display.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from desktop import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from desktop.ui.errors import ErrorReporter

COMMANDS = frozenset(
    {
        "chat",
        "image",
        "video",
        "transcribe",
        "embed",
        "providers",
        "history",
        "compare",
        "costs",
        "--help",
        "-h",
        "--version",
        "help",
    }
)

NO_DISPLAY_MESSAGE = (
    "Switchboard needs a graphical display: no DISPLAY or WAYLAND_DISPLAY is set. Run it from "
    "a desktop session, or use the command line (switchboard --help)."
)

log = logging.getLogger("switchboard")


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command (``switchboard chat …``) or open the window; return the exit code."""
    args = list(sys.argv if argv is None else argv)
    rest = args[1:]
    if rest and rest[0] in COMMANDS:
        from desktop import cli  # lazy: the window path never needs it

        return int(cli.main(rest))
    if not has_display(os.environ):
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    return run_gui(args)


def has_display(env: Mapping[str, str]) -> bool:
    """False on Linux/BSD when no X11 or Wayland display and no Qt platform is configured."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def configure_logging() -> None:
    level = logging.DEBUG if os.environ.get("SWITCHBOARD_DEBUG") else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def make_application(argv: Sequence[str]) -> QApplication:
    """The QApplication with our names, the system colour scheme, and manual quitting."""
    from PySide6.QtWidgets import QApplication

    from desktop.ui.theme import follow_system_scheme

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv))
    app.setApplicationName("Switchboard")
    app.setOrganizationName("Switchboard")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("switchboard")
    app.setQuitOnLastWindowClosed(False)
    follow_system_scheme(app)
    return app


def run_gui(argv: Sequence[str]) -> int:
    """Open the window and run until it is closed."""
    import qasync

    from desktop.ui.errors import ErrorReporter
    from desktop.ui.gc_guard import GuiThreadCollector

    configure_logging()
    app = make_application(argv)
    reporter = ErrorReporter()
    reporter.install()
    collector = GuiThreadCollector(app)
    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            try:
                return runner.run(run_window(app, reporter))
            except RuntimeError as exc:
                # Qt quit first (the session ended): everything was saved as it happened.
                if "Event loop stopped before Future completed" in str(exc):
                    return 0
                raise
    finally:
        collector.stop()


async def run_window(app: QApplication, reporter: ErrorReporter | None = None) -> int:
    """The main coroutine: services, window, wait for quitting, close everything."""
    from desktop.services import Services
    from desktop.ui.main_window import MainWindow
    from desktop.ui.widgets.message_bar import INFO

    quitting = asyncio.Event()
    app.aboutToQuit.connect(quitting.set)  # backstop: the OS ends the session
    if reporter is not None:
        asyncio.get_running_loop().set_exception_handler(reporter.loop_exception_handler)
    try:
        services = await Services.open()
    except Exception as exc:  # a newer database, an unreadable data folder …
        log.exception("Could not open Switchboard's data")
        await show_startup_error(str(exc))
        return 1
    try:
        window = MainWindow(services, on_closed=quitting.set)
        warning = services.settings_store.load_warning
        if warning:
            window.chat.message_bar.show_message(warning, kind=INFO)
        window.show()
        await quitting.wait()
        if window.isVisible():
            await window.shutdown()
    finally:
        await services.aclose()
    return 0


async def show_startup_error(text: str) -> None:
    """Say in a dialog why the app cannot start (no nested event loop)."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.ui.tasks import run_dialog

    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Switchboard",
        f"Switchboard could not start: {text}",
        QMessageBox.StandardButton.Close,
    )
    await run_dialog(box)
