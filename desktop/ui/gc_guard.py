"""Python's cyclic garbage collection, run on the GUI thread only.

The collector normally runs on whichever thread happens to allocate when a threshold is
crossed: our thread pool (Pillow, keyring, SQLite), or a library's internal thread. If the
cycle it frees holds a Qt object, that object is then destroyed on the wrong thread, which can
crash the process at a random moment. So automatic collection is switched off and a timer on
the GUI thread collects instead, generation by generation, when the counts say it is due (the
same approach as qutebrowser's ``misc/utils`` garbage collector).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    """Owns the timer; call :meth:`collect_due` to run a check at once (tests)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.collections = 0
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        freed = 0
        for generation in (2, 1, 0):  # the oldest due generation includes the younger ones
            if counts[generation] > thresholds[generation]:
                freed = gc.collect(generation)
                self.collections += 1
                break
        return freed

    def stop(self) -> None:
        """Give collection back to Python (at shutdown, after the window is gone)."""
        self._timer.stop()
        gc.enable()
