"""Persistence of a streamed answer (issue 8): appending costs the same at any length.

The chat service stores a streamed answer as it arrives, on the history's one writer thread
(``HistoryStore.append_text``: one row per flush, no full-text work until the answer ends).
This measures that call itself, side by side: two answers in one fresh history, one grown to
10 KB and one to 200 KB, their appends alternating so a change in the machine's load falls
on both alike. The figure is the median CPU time of one ~120-character append at 200 KB
divided by the same at 10 KB, per run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from desktop.store.history import HistoryStore

from .figures import Figure

SECTION = "Persistence of a streamed answer"
APPENDS = 200


def _chunk(n: int) -> str:
    text = " ".join(f"word{n}-{k}" for k in range(12))
    return text + ("\n\n" if n % 3 == 2 else " ")


def _one_run(root: Path) -> tuple[float, float]:
    """Median CPU µs of one append at 10 KB and at 200 KB, measured alternately."""
    with HistoryStore(root / "history.db") as history:
        conversation = history.create_conversation("Bench")
        small = history.add_message(conversation, "assistant", "", status="interrupted")
        large = history.add_message(conversation, "assistant", "", status="interrupted")
        for message, size in ((small, 10_000), (large, 200_000)):
            written, n = 0, 0
            while written < size:
                chunk = _chunk(n)
                history.append_text(message, chunk)
                written += len(chunk)
                n += 1
        small_ms: list[float] = []
        large_ms: list[float] = []
        for n in range(APPENDS):
            for message, costs in ((small, small_ms), (large, large_ms)):
                chunk = _chunk(n)
                start = time.thread_time()
                if not history.append_text(message, chunk):
                    raise RuntimeError("the answer vanished while it was being appended to")
                costs.append((time.thread_time() - start) * 1_000_000)
        stored = history.get_message(large)
        if stored is None or len(stored.content) < 200_000:
            raise RuntimeError("the 200 KB answer was not stored whole")
    return statistics.median(small_ms), statistics.median(large_ms)


def persistence(runs: int) -> list[Figure]:
    figure = Figure(
        SECTION,
        "one append at 200 KB vs at 10 KB (writer-thread CPU)",
        "µs",
        1.5,
        baseline_name="10 KB",
        ratio=True,
    )
    for n in range(runs):
        with tempfile.TemporaryDirectory(prefix="switchboard-bench-store-") as tmp:
            small, large = _one_run(Path(tmp))
        figure.values.append(large)
        figure.baseline.append(small)
        print(f"  append run {n + 1}: {small:.1f} → {large:.1f} µs", flush=True)
    return [figure]
