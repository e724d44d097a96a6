"""Garbage collection happens on the GUI thread, never on a worker thread."""

from __future__ import annotations

import gc

from PySide6.QtWidgets import QApplication

from desktop.ui.gc_guard import GuiThreadCollector


def test_automatic_collection_is_off_and_the_timer_collects(qapp: QApplication) -> None:
    was_enabled = gc.isenabled()
    collector = GuiThreadCollector(qapp, interval_ms=60_000)
    try:
        assert not gc.isenabled()  # no collection can start on another thread now
        threshold = gc.get_threshold()[0]
        junk = []
        for _ in range(threshold + 50):  # allocate enough cycles to make generation 0 due
            cycle: list[object] = []
            cycle.append(cycle)
            junk.append(cycle)
        del junk
        assert gc.get_count()[0] > threshold
        collector.collect_due()
        assert collector.collections == 1
        assert gc.get_count()[0] < threshold
    finally:
        collector.stop()
        if not was_enabled:
            gc.disable()
    assert gc.isenabled() or not was_enabled
