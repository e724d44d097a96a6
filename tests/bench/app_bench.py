"""The window, the command line and the library, measured side by side with their baselines.

Each run of a probe is a fresh process (:mod:`tests.bench.app_probes`); a round runs the app
and its baseline back to back, so the ratios compare like with like on a shared machine.
Figures and targets are those of issue 8; :mod:`tests.bench.figures` prints them with their
spread and a verdict on every run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.table import Task
from desktop.store.history import HistoryStore

from . import installed_app, profiles
from .figures import Figure
from .store_bench import persistence

ROOT = Path(__file__).resolve().parents[2]

STREAM = "Streaming into the chat view (2,000 tokens/s)"
STARTUP = "Start-up to the first painted window"
CLI = "Command line"
MEMORY = "Memory (resident)"
OPENING = "Opening a 2,000-message conversation"
SEARCH = "Library search"

SEARCHES = {
    "one common word": "portrait",
    "two words": "misty mountain",
    "prefix while typing": "lightho",
    "rare word": "zephyr123",
    "no hit": "qwertyuiop",
    "pictures only": "castle",
}


@dataclass
class AppPlan:
    runs: int = 5
    stream_s: float = 10.0
    rate: float = 2000.0
    library_items: int = profiles.LIBRARY_ITEMS
    search_repeats: int = 10


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A probe's environment: no user profile, token or endpoint, and bytecode caches allowed
    (``PYTHONDONTWRITEBYTECODE``, set on some machines, would make every app start recompile
    our modules while the bare window compiles nothing; a user's install has its caches)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "SWITCHBOARD_", "HF_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env | (extra or {})


def probe(args: list[str], extra_env: dict[str, str] | None = None, timeout: float = 180) -> Any:
    """Run one probe process; its last stdout line is its JSON result."""
    launched = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.app_probes", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(extra_env),
        cwd=ROOT,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"probe {args} printed nothing: {done.stderr[-2000:]}")
    result = json.loads(lines[-1])
    result["launched"] = launched
    return result


def wall(argv: list[str], extra_env: dict[str, str]) -> float:
    """Seconds for one command, process start to exit."""
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, env=_env(extra_env), cwd=ROOT, check=False)
    return time.perf_counter() - start


def log(text: str) -> None:
    print(text, flush=True)


# --- Sections ----------------------------------------------------------------------------------


def streaming(plan: AppPlan) -> list[Figure]:
    figures: list[Figure] = []
    for kind, label in (
        ("prose", "prose with paragraphs"),
        ("endless", "one endless paragraph"),
        ("code", "one long fenced code block"),
    ):
        worst = Figure(STREAM, f"{label}: GUI worst gap", "ms", 33)
        p99 = Figure(STREAM, f"{label}: GUI p99 gap", "ms", 16)
        shown = Figure(STREAM, f"{label}: last token to shown", "ms", 100)
        for n in range(plan.runs):
            result = probe(["stream", kind, str(plan.stream_s), str(plan.rate)])
            worst.values.append(result["worst_gap_ms"])
            p99.values.append(result["p99_gap_ms"])
            shown.values.append(result["last_token_to_shown_ms"])
            log(
                f"  stream {kind} run {n + 1}: worst {result['worst_gap_ms']:.1f} ms, "
                f"p99 {result['p99_gap_ms']:.1f} ms, shown {result['last_token_to_shown_ms']:.1f} "
                f"ms, {result['chars'] // 1000} KB"
            )
        figures += [worst, p99, shown]
    flush = Figure(
        STREAM,
        "one flush at 200 KB vs at 10 KB (GUI-thread CPU)",
        "ms",
        1.5,
        baseline_name="10 KB",
        ratio=True,
    )
    for n in range(plan.runs):
        result = probe(["flush-cost"])
        flush.values.append(result["flush_200k_ms"])
        flush.baseline.append(result["flush_10k_ms"])
        log(f"  flush run {n + 1}: {result['flush_10k_ms']:.2f} → {result['flush_200k_ms']:.2f} ms")
    figures.append(flush)
    return figures


def startup_and_memory(
    plan: AppPlan, empty: profiles.Profile, big: profiles.Profile, pictures: profiles.Profile
) -> list[Figure]:
    start_empty = Figure(STARTUP, "empty profile", "ms", 2, baseline_name="bare window", ratio=True)
    start_big = Figure(
        STARTUP, "100k library items", "ms", 2, baseline_name="bare window", ratio=True
    )
    idle = Figure(MEMORY, "idle", "MiB", 1.6, baseline_name="bare window", ratio=True)
    loaded = Figure(
        MEMORY,
        "after 20 pictures and a 20,000-token answer",
        "MiB",
        2,
        baseline_name="bare window",
        ratio=True,
    )
    for n in range(plan.runs):
        for figure, profile in ((start_empty, empty), (start_big, big)):
            bare = probe(["bare-window"])
            app = probe(["app-window"], profile.env)
            figure.baseline.append((bare["painted"] - bare["launched"]) * 1000)
            figure.values.append((app["painted"] - app["launched"]) * 1000)
            if profile is empty:
                idle.baseline.append(bare["rss_mib"])
                idle.values.append(app["rss_mib"])
            log(
                f"  start-up {profile.name} run {n + 1}: app {figure.values[-1]:.0f} ms, "
                f"bare {figure.baseline[-1]:.0f} ms"
            )
        bare = probe(["bare-window"])
        app = probe(["app-window", "--load"], pictures.env)
        loaded.baseline.append(bare["rss_mib"])
        loaded.values.append(app["loaded_rss_mib"])
        log(
            f"  memory run {n + 1}: idle {idle.values[-1]:.0f} MiB, loaded "
            f"{app['loaded_rss_mib']:.0f} MiB (pictures shown: {app.get('pictures_shown')}), "
            f"bare {bare['rss_mib']:.0f} MiB"
        )
    return [start_empty, start_big, idle, loaded]


def command_line(
    plan: AppPlan, big: profiles.Profile, installed: installed_app.InstalledApp
) -> list[Figure]:
    """The commands and ``python -c pass`` as on a user's installation (see
    :mod:`tests.bench.installed_app`: not this venv's editable-install hook)."""
    python, switchboard = installed.python, installed.switchboard
    commands = {
        "switchboard --help": [switchboard, "--help"],
        "switchboard history list": [switchboard, "history", "list"],
        "switchboard history search": [switchboard, "history", "search", "castle"],
    }
    figures = {
        name: Figure(CLI, name, "ms", 5, baseline_name="python -c pass", ratio=True)
        for name in commands
    }
    for n in range(plan.runs):
        for name, argv in commands.items():
            base = wall([python, "-c", "pass"], big.env)
            took = wall(argv, big.env)
            figures[name].baseline.append(base * 1000)
            figures[name].values.append(took * 1000)
        log(
            f"  cli run {n + 1}: "
            + ", ".join(f"{k.split()[-1]} {f.values[-1]:.0f} ms" for k, f in figures.items())
        )
    return list(figures.values())


def opening(plan: AppPlan, big: profiles.Profile, conversation_id: int) -> list[Figure]:
    shown = Figure(OPENING, "last message shown", "ms", 150)
    stall = Figure(OPENING, "longest GUI stall while it opens", "ms", 50)
    for n in range(plan.runs):
        result = probe(["open", str(conversation_id)], big.env)
        shown.values.append(result["shown_ms"])
        stall.values.append(result["worst_gap_ms"])
        log(
            f"  open run {n + 1}: shown {result['shown_ms']:.0f} ms, all "
            f"{result['complete_ms']:.0f} ms, worst gap {result['worst_gap_ms']:.0f} ms"
        )
    return [shown, stall]


def library_search(plan: AppPlan, big: profiles.Profile) -> list[Figure]:
    history = HistoryStore(big.paths.history_db)
    figures: list[Figure] = []
    try:
        for name, query in SEARCHES.items():
            task = Task.TEXT_TO_IMAGE.value if name == "pictures only" else None
            figure = Figure(
                SEARCH,
                f"{name} ({plan.library_items:,} items)",
                "ms",
                50,
                note="" if task is None else "with the task filter",
            )

            def once(query: str = query, task: str | None = task) -> float:
                start = time.perf_counter()
                history.search_generations(query, 200, task=task)
                return (time.perf_counter() - start) * 1000

            for _ in range(plan.runs):
                figure.values.append(statistics.median(once() for _ in range(plan.search_repeats)))
            figures.append(figure)
            log(f"  search {name!r}: {statistics.median(figure.values):.1f} ms")
    finally:
        history.close()
    return figures


def run(plan: AppPlan, sections: set[str] | None = None) -> list[Figure]:
    """Every window-side figure (or the chosen ``sections``) on fresh temporary profiles."""

    def wanted(name: str) -> bool:
        return sections is None or name in sections

    figures: list[Figure] = []
    # The app's bytecode caches, as an installed app has them (see _env).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "desktop")], check=False, env=_env()
    )
    with tempfile.TemporaryDirectory(prefix="switchboard-bench-") as tmp:
        root = Path(tmp)
        log(f"Profiles: empty, {plan.library_items:,} library items, 20 pictures …")
        started = time.perf_counter()
        empty = profiles.empty(root / "empty")
        big, long_id = profiles.big(root / "big", plan.library_items)
        pictures = profiles.pictures(root / "pictures")
        log(f"  built in {time.perf_counter() - started:.1f} s")
        steps: list[tuple[str, Callable[[], list[Figure]]]] = [
            ("stream", lambda: streaming(plan)),
            ("startup", lambda: startup_and_memory(plan, empty, big, pictures)),
            ("cli", lambda: command_line(plan, big, installed_app.make(root / "venv", ROOT))),
            ("open", lambda: opening(plan, big, long_id)),
            ("search", lambda: library_search(plan, big)),
            ("store", lambda: persistence(plan.runs)),
        ]
        for name, step in steps:
            if wanted(name):
                log(f"{name}:")
                figures += step()
    return figures
