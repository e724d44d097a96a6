"""Composition root: the command line or the window, one qasync loop, an orderly shutdown.

Why it is shaped like this (style.md §2.1): the QApplication exists first, then one main
coroutine runs on a ``qasync.QEventLoop`` through ``asyncio.Runner``. The coroutine opens the
services, shows the window and waits for a ``quitting`` event; the window sets it after its
own asynchronous cleanup, so Qt never quits under a running coroutine. Qt, qasync and the
engine are imported only when the window is really wanted (even asyncio), so
``switchboard --help`` and commands stay quick and work without a display.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from desktop import __version__

if TYPE_CHECKING:
    import asyncio

    from PySide6.QtWidgets import QApplication

    from desktop.services import Services
    from desktop.store.paths import AppPaths
    from desktop.store.settings import SettingsStore
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

FREEZE_AFTER_S = 2.0
"""Start-up (window, keyring read, renderer warm-up) is over by then."""

FIRST_PAINT_WAIT_S = 0.5
"""The services open after the window's first paint, or after this long without one."""


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
    import logging  # not at the top: commands (cli.py) configure their own (issue 8)

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
    """Open the window and run until it is closed.

    The window's frame is shown and painted before asyncio, qasync and the error funnel are
    even imported (issue 8: a tenth of a second of a start-up that should take twice a bare
    window's); the coroutine then opens the services behind it.
    """
    from desktop.ui.pyside_scan import scan_without_caching

    scan_without_caching()  # first, so every module imported from here on is read once
    from desktop.ui.gc_guard import GuiThreadCollector
    from desktop.ui.memory import limit_arenas

    configure_logging()
    limit_arenas()  # before any worker thread exists (issue 8)
    app = make_application(argv)
    first = show_window(app)
    first.wait_for_paint(app)
    import asyncio

    import qasync

    from desktop.ui.errors import ErrorReporter

    reporter = ErrorReporter()
    reporter.install()
    collector = GuiThreadCollector(app)
    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            try:
                return runner.run(run_window(app, reporter, first=first))
            except RuntimeError as exc:
                # Qt quit first (the session ended): everything was saved as it happened.
                if "Event loop stopped before Future completed" in str(exc):
                    return 0
                raise
    finally:
        from desktop.ui.widgets.file_actions import hand_over_clipboard  # imports asyncio

        collector.stop()
        hand_over_clipboard()


class FirstWindow:
    """The window shown before its services, and the files it was shown from.

    A plain class, not a dataclass: ``dataclasses`` (and ``inspect``, which it imports) would
    be loaded by every ``switchboard --help`` for this one record (issue 8)."""

    def __init__(self, window: MainWindow, paths: AppPaths, settings_store: SettingsStore) -> None:
        self.window = window
        self.paths = paths
        self.settings_store = settings_store

    def wait_for_paint(self, app: QApplication) -> None:
        """Run Qt's events until the window has painted (before any asyncio loop exists),
        or :data:`FIRST_PAINT_WAIT_S` at most: a window never exposed must not wait."""
        from PySide6.QtCore import QEventLoop, QTimer

        if self.window.painted:
            return
        waiting = QEventLoop(app)
        self.window.first_painted.connect(waiting.quit)
        QTimer.singleShot(int(FIRST_PAINT_WAIT_S * 1000), waiting.quit)
        waiting.exec()
        self.window.first_painted.disconnect(waiting.quit)


def show_window(app: QApplication) -> FirstWindow:
    """The window's frame, in the theme of the settings file and the size and tab of the
    state file (both small), shown; its services come later (:meth:`MainWindow.attach`)."""
    from desktop.store.paths import AppPaths
    from desktop.store.settings import SettingsStore
    from desktop.store.state import StateStore
    from desktop.ui.main_window import MainWindow
    from desktop.ui.theme import set_theme

    paths = AppPaths.default()
    settings_store = SettingsStore(paths.settings_file)
    set_theme(app, settings_store.load().theme)
    window = MainWindow(state=StateStore(paths.state_file))
    window.show()
    return FirstWindow(window, paths, settings_store)


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
    app: QApplication,
    reporter: ErrorReporter | None = None,
    shown: Shown | None = None,
    *,
    first: FirstWindow | None = None,
) -> int:
    """The main coroutine: window, services, wait for quitting, close everything.

    The window paints first (frame, tabs, its saved size and tab), with the theme from the
    settings file; only then are the services opened (history, engine, HTTP client) and the
    keyring checked, and the window gets them (issue 8). ``first`` is that window when
    :func:`run_gui` already showed it; ``shown`` is told every question asked at start
    (tests answer them).
    """
    import asyncio

    quitting = asyncio.Event()
    app.aboutToQuit.connect(quitting.set)  # backstop: the OS ends the session
    if reporter is not None:
        asyncio.get_running_loop().set_exception_handler(reporter.loop_exception_handler)
    if first is None:
        first = show_window(app)
        painted = asyncio.Event()
        first.window.first_painted.connect(painted.set)
        if not first.window.painted:
            # A window never exposed (minimised, another desktop) must not wait for ever.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(painted.wait(), FIRST_PAINT_WAIT_S)
    window = first.window
    window.set_on_closed(quitting.set)
    if not window.isVisible():  # closed while it was painting
        quitting.set()
    try:
        return await open_and_run(window, first.paths, first.settings_store, quitting, shown)
    finally:
        # Destroyed while the loop still runs: Qt objects torn down after the loop closed
        # (at the interpreter's exit) could crash in their destructors.
        window.deleteLater()


async def open_and_run(
    window: MainWindow,
    paths: AppPaths,
    settings_store: SettingsStore,
    quitting: asyncio.Event,
    shown: Shown | None,
) -> int:
    """After the first paint: open the services, hand them to the window, run until quit."""
    import asyncio

    from desktop.store import keyring_setup
    from desktop.ui.memory import trim_soon
    from desktop.ui.startup import open_or_ask

    loop = asyncio.get_running_loop()
    # Before the services read any key: a frozen build picks its backend here, and the
    # About box shows the result. Blocking (D-Bus), hence the thread; the keyring is read
    # in the background after it, so neither holds up the window (issue 8).
    checked = loop.run_in_executor(None, keyring_setup.self_test)
    try:
        opened = await open_or_ask(
            paths,
            shown,
            wait_for_keyring=False,
            settings_store=settings_store,
            state=window.state_store,
            before_keyring=checked,
        )
    except Exception as exc:  # an unusable data folder, bad endpoint variables …
        import logging

        logging.getLogger("switchboard").warning("Could not open Switchboard's data: %s", exc)
        window.hide()
        await show_startup_error(str(exc))
        return 1
    if opened is None:
        window.hide()
        return 1
    services = opened.services
    try:
        if quitting.is_set():  # the window was closed while the services opened
            return 0
        window.attach(services)
        notices = [*opened.notices, services.settings_store.load_warning]
        for notice in reversed([n for n in notices if n]):
            window.chat.message_bar.show_info(notice)  # the first one stays in view
        if services.jobs_problem:
            window.video.message_bar.show_info(services.jobs_problem)
        trim_soon()  # start-up's temporary allocations go back to the system
        # What start-up built lives as long as the app: keep the collector from walking it
        # again and again (a full collection would otherwise stall a streaming answer).
        freeze = loop.call_later(FREEZE_AFTER_S, freeze_startup_objects)
        keyring_read = asyncio.ensure_future(show_credentials_when_read(services, window))
        await quitting.wait()
        freeze.cancel()
        keyring_read.cancel()
        if window.isVisible():
            await window.shutdown()
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
