"""The window-side measurements, each run in a fresh process: ``python -m tests.bench.app_probes``.

Why separate processes: start-up and memory are only honest in a fresh interpreter, and Qt
allows one application per process. Every probe prints one JSON object as its last line;
:mod:`tests.bench.app_bench` runs them side by side with their baselines and reports.

Probes:

- ``bare-window``: a bare PySide6 window with five tabs (the baseline): first paint, idle RSS.
- ``app-window``: the real ``switchboard`` start-up (``desktop.app.main``) on the profile in
  the XDG variables: first paint, idle RSS; with ``--load``, RSS again after 20 pictures in
  the Images tab and a 20,000-token answer streamed into the chat.
- ``stream KIND SECONDS RATE``: the real chat view (MessageView, MessageWidget, LiveTurn)
  fed RATE tokens/s for SECONDS; a 5 ms timer on the GUI thread records every gap; the time
  from the last token to its paint; the cost of every flush.
- ``flush-cost``: the GUI-thread CPU of one flush (append, lay out, paint) at 10 KB and at
  200 KB of answer.
- ``open CONVERSATION_ID``: the real Chat page opening a stored conversation: time until its
  last message is painted, the longest GUI stall until every message of the page is built.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

IDLE_AFTER_MS = 2500
"""Memory is read this long after the work, once the app is idle (start-up settles after
2 s, a burst of work is trimmed 1 s after it ends)."""


def rss_mib() -> float:
    """Resident memory of this process (Linux ``/proc``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def emit(result: dict[str, Any]) -> None:
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()


# --- Token streams --------------------------------------------------------------------------


def tokens(kind: str) -> Iterator[str]:
    """An endless answer of one ``kind``: prose, one endless paragraph, or one code block."""
    n = 0
    if kind == "code":
        yield "```python\n"
        while True:
            yield from (f"    value_{n}", " = compute(", f"value_{n - 1}", f") + {n}\n")
            n += 1
    while True:
        n += 1
        yield f" word{n}"
        if n % 15 == 0:
            yield "."
        if kind == "prose" and n % 90 == 0:
            yield "\n\n"


# --- Qt helpers ----------------------------------------------------------------------------


class GapProbe:
    """A 5 ms timer on the GUI thread; the gaps between its ticks show every stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps: list[float] = []
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    def summary(self) -> dict[str, float]:
        gaps = sorted(self.gaps) or [float("nan")]
        return {
            "worst_gap_ms": gaps[-1],
            "p99_gap_ms": gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))],
            "ticks": len(self.gaps),
        }


def paint_watch(widget: Any, on_paint: Callable[[], None]) -> Any:
    """Call ``on_paint`` at ``widget``'s next paint (an event filter; keep the result)."""
    from PySide6.QtCore import QEvent, QObject

    class Watch(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint:
                on_paint()
            return False

    watch = Watch()
    widget.installEventFilter(watch)
    return watch


def app_like_collection(app: Any) -> Any:
    """Garbage collection as the app runs it: on the GUI thread, after a start-up freeze."""
    from desktop.app import freeze_startup_objects
    from desktop.ui.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(app)
    freeze_startup_objects()
    return collector


def chat_column() -> tuple[Any, Any, Any]:
    """The chat view in a shown top-level window, with a user question and a live answer."""
    from PySide6.QtWidgets import QApplication

    from desktop.engine.conversations import Turn
    from desktop.ui.chat.live_turn import LiveTurn
    from desktop.ui.chat.markdown import warm_up
    from desktop.ui.chat.message_data import STREAMING, MessageData
    from desktop.ui.chat.message_view import MessageView
    from desktop.ui.theme import follow_system_scheme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    follow_system_scheme(app)  # the app's own style, as desktop.app sets it up
    warm_up()  # as the chat page does when it opens
    view = MessageView()
    view.resize(1100, 700)
    view.show()
    view.append(MessageData(1, "user", "Write me something long."))
    widget = view.append(MessageData(2, "assistant", "", model="m", status=STREAMING))
    live = LiveTurn("send", "m", lambda _live: None)
    live.turn_started(Turn(1, 1, 2))
    live.attach(widget)
    QApplication.processEvents()
    return view, widget, live


# --- Probes --------------------------------------------------------------------------------


def bare_window() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget

    app = QApplication(["bench"])
    window = QMainWindow()
    tabs = QTabWidget(window)
    for name in ("Chat", "Images", "Video", "Speech", "Library"):
        tabs.addTab(QWidget(tabs), name)
    window.setCentralWidget(tabs)
    window.resize(1180, 760)
    painted: list[float] = []

    def first_paint() -> None:
        if not painted:
            painted.append(time.time())
            QTimer.singleShot(IDLE_AFTER_MS, finish)

    def finish() -> None:
        emit({"painted": painted[0], "rss_mib": rss_mib()})
        app.quit()

    watch = paint_watch(window, first_paint)
    window.show()
    app.exec()
    del watch


def app_window(load: bool) -> None:
    """The real start-up path; the QApplication is made first only to watch for the paint."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(["switchboard"])
    state: dict[str, Any] = {}

    class FirstPaint(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:
            if "painted" not in state and event.type() == QEvent.Type.Paint:
                window = obj.window() if hasattr(obj, "window") else None
                if isinstance(window, QMainWindow) and window.isVisible():
                    state["painted"] = time.time()
                    state["window"] = window
                    QTimer.singleShot(IDLE_AFTER_MS, idle)
            return False

    def idle() -> None:
        state["rss_mib"] = rss_mib()
        if load:
            QTimer.singleShot(0, lambda: load_and_measure(state))
        else:
            done()

    def done() -> None:
        emit({k: v for k, v in state.items() if k != "window"})
        state["window"].close()

    watcher = FirstPaint()
    app.installEventFilter(watcher)
    # The in-memory keyring comes through keyring's own variable, so the probe imports
    # nothing the app would not import itself.
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
    from desktop import app as desktop_app

    desktop_app.main(["switchboard"])
    del watcher


def load_and_measure(state: dict[str, Any]) -> None:
    """20 pictures shown in the Images tab, then a 20,000-token answer streamed; RSS after."""
    import gc

    from PySide6.QtCore import QTimer

    from desktop.engine.conversations import Turn
    from desktop.ui.chat.live_turn import LiveTurn
    from desktop.ui.chat.message_data import STREAMING, MessageData

    window = state["window"]
    window.tabs.setCurrentIndex(1)  # Images: builds the page, which shows the stored pictures
    started = time.perf_counter()

    def pictures_shown() -> bool:
        images = window.images
        cache = images.thumbnails
        return images.model.rowCount() >= 20 and all(
            cache.get(images.model.picture(r).path) is not None for r in range(20)
        )

    def wait_pictures() -> None:
        if pictures_shown() or time.perf_counter() - started > 20:
            state["pictures_shown"] = pictures_shown()
            window.tabs.setCurrentIndex(0)
            QTimer.singleShot(0, stream_answer)
        else:
            QTimer.singleShot(20, wait_pictures)

    def stream_answer() -> None:
        view = window.chat.view
        view.append(MessageData(None, "user", "Write me something long."))
        widget = view.append(MessageData(None, "assistant", "", model="m", status=STREAMING))
        live = LiveTurn("send", "m", lambda _live: None)
        live.turn_started(Turn(0, None, None))
        live.attach(widget)
        source = tokens("prose")
        left = [20_000]

        def feed() -> None:
            for _ in range(500):
                live.delta(next(source))
            left[0] -= 500
            live.flush()
            if left[0] > 0:
                QTimer.singleShot(0, feed)
            else:
                live.close()
                widget.mark_stopped()
                gc.collect()
                QTimer.singleShot(IDLE_AFTER_MS, after)

        feed()

    def after() -> None:
        state["loaded_rss_mib"] = rss_mib()
        emit({k: v for k, v in state.items() if k != "window"})
        window.close()

    wait_pictures()


def stream(kind: str, seconds: float, rate: float) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(["bench"])
    _view, widget, live = chat_column()
    collector = app_like_collection(app)
    flush_ms: list[float] = []
    real_append = widget.append_stream

    def timed_append(chunk: str) -> None:
        start = time.perf_counter()
        real_append(chunk)
        flush_ms.append((time.perf_counter() - start) * 1000)

    widget.append_stream = timed_append
    source = tokens(kind)
    probe = GapProbe()
    sent = [0]
    last: dict[str, float] = {}
    began = time.perf_counter()

    def feed() -> None:
        elapsed = time.perf_counter() - began
        due = int(min(elapsed, seconds) * rate)
        while sent[0] < due:
            live.delta(next(source))
            sent[0] += 1
        if elapsed >= seconds:
            feeder.stop()
            last["token"] = time.perf_counter()
            marker = "\u2063end"  # the last token: a word nobody else sends
            live.delta(marker)
            last["watch"] = paint_watch(widget.body.viewport(), shown)

    def shown() -> None:
        if "shown" not in last and widget.body.text().endswith("\u2063end"):
            last["shown"] = time.perf_counter()
            probe.stop()
            QTimer.singleShot(0, finish)

    def finish() -> None:
        live.close()
        collector.stop()
        result = {
            "kind": kind,
            "tokens": sent[0],
            "chars": len(widget.body.text()),
            "last_token_to_shown_ms": (last["shown"] - last["token"]) * 1000,
            "flush_median_ms": statistics.median(flush_ms) if flush_ms else float("nan"),
            "flush_max_ms": max(flush_ms) if flush_ms else float("nan"),
            "flushes": len(flush_ms),
            **probe.summary(),
        }
        emit(result)
        app.quit()

    feeder = QTimer()
    feeder.setTimerType(Qt.TimerType.PreciseTimer)
    feeder.setInterval(5)
    feeder.timeout.connect(feed)
    probe.start()
    feeder.start()
    app.exec()


def flush_cost() -> None:
    """One ~120-character flush (with a paragraph end every third one), laid out and painted,
    into an answer of 10 KB and into one of 200 KB, side by side.

    Two chat columns live in one process; their flushes alternate, so a change in the
    machine's load or clock during the run falls on both sizes alike instead of on whichever
    was measured second.
    """
    from PySide6.QtWidgets import QApplication

    app = QApplication(["bench"])
    _small_view, small, _small_live = chat_column()
    _large_view, large, _large_live = chat_column()
    source = tokens("prose")

    def grow_to(widget: Any, size: int, step: int) -> None:
        while len(widget.body.text()) < size:
            widget.append_stream("".join(next(source) for _ in range(step)))
            app.processEvents()

    def one_flush(widget: Any, n: int) -> float:
        chunk = "".join(next(source) for _ in range(20))
        if n % 3 == 2:
            chunk += "\n\n"
        # GUI-thread CPU, not wall time: on a shared machine a flush that waited for a core
        # would otherwise count as a dear one.
        start = time.thread_time()
        widget.append_stream(chunk)
        app.processEvents()  # the layout and the paint Qt schedules for it
        app.processEvents()
        return (time.thread_time() - start) * 1000

    grow_to(small, 10_000, 40)  # small steps: the "10 KB" answer starts near 10 KB
    grow_to(large, 200_000, 400)
    small_costs: list[float] = []
    large_costs: list[float] = []
    for n in range(40):
        small_costs.append(one_flush(small, n))
        large_costs.append(one_flush(large, n))
    emit(
        {
            "flush_10k_ms": statistics.median(small_costs),
            "flush_200k_ms": statistics.median(large_costs),
            "chars": len(large.body.text()),
            "chars_small": len(small.body.text()),
        }
    )


def open_conversation(conversation_id: int) -> None:
    """The real Chat page (services on the XDG profile) opening one stored conversation."""
    import asyncio

    import keyring
    import qasync
    from PySide6.QtWidgets import QApplication

    from desktop.services import Services
    from desktop.ui.main_window import MainWindow
    from tests.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    app = QApplication(["bench"])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def scenario() -> dict[str, Any]:
        services = await Services.open()
        window = MainWindow(services)
        window.resize(1180, 760)
        window.show()
        await asyncio.sleep(1.5)  # the window settles (first paint, sidebar, warm-up)
        view = window.chat.view
        probe = GapProbe()
        marks: dict[str, float] = {}
        watches: list[Any] = []

        def on_added(widget: Any) -> None:
            if "first_built" not in marks:
                marks["first_built"] = time.perf_counter()
                watches.append(paint_watch(widget.body.viewport(), painted))

        def painted() -> None:
            marks.setdefault("shown", time.perf_counter())

        view.message_added.connect(on_added)
        probe.start()
        marks["asked"] = time.perf_counter()
        window.chat.open_conversation(conversation_id)
        deadline = time.perf_counter() + 30
        # Polling on purpose: "painted" and "all built" are widget states that signal nothing.
        while ("shown" not in marks or view.loading() or not view.widgets()) and (  # noqa: ASYNC110
            time.perf_counter() < deadline
        ):
            await asyncio.sleep(0.005)
        marks["complete"] = time.perf_counter()
        await asyncio.sleep(0.1)
        probe.stop()
        result = {
            "shown_ms": (marks.get("shown", float("nan")) - marks["asked"]) * 1000,
            "complete_ms": (marks["complete"] - marks["asked"]) * 1000,
            "widgets": len(view.widgets()),
            **probe.summary(),
        }
        await window.shutdown()
        await services.aclose()
        return result

    emit(loop.run_until_complete(scenario()))


def main(argv: list[str]) -> None:
    probe = argv[0]
    if probe == "bare-window":
        bare_window()
    elif probe == "app-window":
        app_window(load="--load" in argv)
    elif probe == "stream":
        stream(argv[1], float(argv[2]), float(argv[3]))
    elif probe == "flush-cost":
        flush_cost()
    elif probe == "open":
        open_conversation(int(argv[1]))
    else:
        raise SystemExit(f"unknown probe {probe!r}")
    sys.stdout.flush()
    os._exit(0)  # no teardown noise: the figures are out


if __name__ == "__main__":
    main(sys.argv[1:])
