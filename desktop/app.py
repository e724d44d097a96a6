"""Composition root: the command line or the window, one qasync loop, an orderly shutdown.

Why it is shaped like this (style.md §2.1): the QApplication exists first, then one main
coroutine runs on a ``qasync.QEventLoop`` through ``asyncio.Runner``. The coroutine opens the
services, shows the window and waits for a ``quitting`` event; the window sets it after its
own asynchronous cleanup, so Qt never quits under a running coroutine. Qt, qasync and the
engine are imported only when the window is really wanted (even asyncio), so
``switchboard --help`` and commands stay quick and work without a display.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from desktop import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from desktop.services import Services
    from desktop.ui.errors import ErrorReporter
    from desktop.ui.main_window import MainWindow
    from desktop.ui.startup import Shown

COMMANDS = frozenset(
    {
        "chat",
        "image",
        "video",
        "transcribe",
        "speak",
        "embed",
        "providers",
        "models",
        "history",
        "compare",
        "costs",
        "--help",
        "-h",
        "--version",
        "help",
        "about",
    }
)

NO_DISPLAY_MESSAGE = (
    "Switchboard needs a graphical display: no DISPLAY or WAYLAND_DISPLAY is set. Run it from "
    "a desktop session, or use the command line (switchboard --help)."
)

log = logging.getLogger("switchboard")

FREEZE_AFTER_S = 2.0
"""Start-up (window, keyring read, renderer warm-up) is over by then."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command (``switchboard chat …``) or open the window; return the exit code."""
    args = list(sys.argv if argv is None else argv)
    rest = args[1:]
    if rest and rest[0] in COMMANDS:
        if getattr(sys, "frozen", False):  # the bundle names its keyring backend explicitly
            from desktop.store import keyring_setup

            keyring_setup.self_test()
        from desktop import cli  # lazy: the window path never needs it

        return int(cli.main(rest))
    if rest and rest[0] == "self-check":
        return run_self_check(args)
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

    from desktop.ui.app_icon import application_icon, desktop_file_name
    from desktop.ui.theme import follow_system_scheme

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv))
    app.setApplicationName("Switchboard")
    app.setOrganizationName("Switchboard")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(desktop_file_name())  # resources/switchboard.desktop
    app.setWindowIcon(application_icon())
    app.setQuitOnLastWindowClosed(False)
    follow_system_scheme(app)
    return app


def run_gui(argv: Sequence[str]) -> int:
    """Open the window and run until it is closed."""
    import asyncio

    import qasync

    from desktop.ui.errors import ErrorReporter
    from desktop.ui.gc_guard import GuiThreadCollector
    from desktop.ui.memory import limit_arenas
    from desktop.ui.widgets.file_actions import hand_over_clipboard

    configure_logging()
    limit_arenas()  # before any worker thread exists (issue 8)
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
        hand_over_clipboard()


def run_self_check(argv: Sequence[str]) -> int:
    """``switchboard self-check [MEDIA …]``: window, media and keyring checks as one JSON
    object on stdout (desktop/ui/self_check.py says why); exit 1 when one failed."""
    import asyncio
    import json
    from pathlib import Path

    import qasync

    from desktop.ui import self_check

    if not has_display(os.environ):
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    configure_logging()
    app = make_application(argv[:1])
    media = [Path(a).resolve() for a in argv[2:]]
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        result = runner.run(self_check.check(media))
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


async def run_window(
    app: QApplication, reporter: ErrorReporter | None = None, shown: Shown | None = None
) -> int:
    """The main coroutine: services, window, wait for quitting, close everything.

    ``shown`` is told every question asked at start (tests answer them).
    """
    import asyncio

    from desktop.store import keyring_setup
    from desktop.store.paths import AppPaths
    from desktop.ui.main_window import MainWindow
    from desktop.ui.memory import trim_soon
    from desktop.ui.startup import open_or_ask

    quitting = asyncio.Event()
    app.aboutToQuit.connect(quitting.set)  # backstop: the OS ends the session
    if reporter is not None:
        asyncio.get_running_loop().set_exception_handler(reporter.loop_exception_handler)
    # Before the services read any key: a frozen build picks its backend here, and the
    # About box shows the result. Blocking (D-Bus), hence the thread.
    await asyncio.get_running_loop().run_in_executor(None, keyring_setup.self_test)
    try:
        # The keyring is read in the background: the window appears even while it waits
        # for an unlock; requests wait for it instead (issue 8).
        opened = await open_or_ask(AppPaths.default(), shown, wait_for_keyring=False)
    except Exception as exc:  # an unusable data folder, bad endpoint variables …
        log.warning("Could not open Switchboard's data: %s", exc)
        await show_startup_error(str(exc))
        return 1
    if opened is None:
        return 1
    services = opened.services
    try:
        from desktop.ui.theme import set_theme

        set_theme(app, services.settings.theme)
        window = MainWindow(services, on_closed=quitting.set)
        notices = [*opened.notices, services.settings_store.load_warning]
        for notice in reversed([n for n in notices if n]):
            window.chat.message_bar.show_info(notice)  # the first one stays in view
        if services.jobs_problem:
            window.video.message_bar.show_info(services.jobs_problem)
        window.show()
        trim_soon()  # start-up's temporary allocations go back to the system
        # What start-up built lives as long as the app: keep the collector from walking it
        # again and again (a full collection would otherwise stall a streaming answer).
        freeze = asyncio.get_running_loop().call_later(FREEZE_AFTER_S, freeze_startup_objects)
        keyring_read = asyncio.ensure_future(show_credentials_when_read(services, window))
        await quitting.wait()
        freeze.cancel()
        keyring_read.cancel()
        if window.isVisible():
            await window.shutdown()
        # Destroyed while the loop still runs: Qt objects torn down after the loop closed
        # (at the interpreter's exit) could crash in their destructors.
        window.deleteLater()
    finally:
        await services.aclose()
    return 0


def freeze_startup_objects() -> None:
    """Collect once, move every object alive now out of the collector's way, and give what
    start-up freed back to the system."""
    import gc

    from desktop.ui.memory import trim

    gc.collect()
    gc.freeze()
    trim()


async def show_credentials_when_read(services: Services, window: MainWindow) -> None:
    """Once the background keyring read is over, the window shows what it found."""
    await services.credentials.ready()
    window.credentials_loaded()


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
