"""Stream hygiene (issue 8): no stream left unclosed, and pooled connections reused.

A stream abandoned half-read used to end in "async generator ignored GeneratorExit" and an
httpcore lock error when it was collected, and its connection was thrown away. Two figures:

- every run sends ``requests`` streamed chat requests one after another through a fresh
  engine (``Services.open``) to one provider, and counts the TCP connections the emulator saw
  for them: a client that puts each connection back in the pool needs one;
- :class:`Incidents` records every unraisable exception, every error the event loop reports
  and every warning while the routing benchmark runs (throughput, failover, these runs): the
  target is none at all.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .clients import EngineContender, Target
from .emulator_process import EmulatorProcess
from .figures import Figure

SECTION = "Stream hygiene"
PROVIDER = "groq"
"""The emulator's name for the route every contender uses (``<router>/groq/…``)."""


class Incidents:
    """What went wrong quietly: unraisable exceptions, loop error reports, warnings."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @contextmanager
    def watching(self, loop: asyncio.AbstractEventLoop) -> Iterator[Incidents]:
        previous_hook = sys.unraisablehook
        previous_handler = loop.get_exception_handler()

        def hook(info: Any) -> None:
            self.seen.append(f"{info.exc_type.__name__}: {info.exc_value} ({info.object!r})")

        def handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            self.seen.append(str(context.get("message") or context))

        sys.unraisablehook = hook
        loop.set_exception_handler(handler)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    yield self
                finally:
                    gc.collect()
                    self.seen.extend(f"{w.category.__name__}: {w.message}" for w in caught)
        finally:
            sys.unraisablehook = previous_hook
            loop.set_exception_handler(previous_handler)


async def connections_for_sequential_streams(
    target: Target, emu: EmulatorProcess, requests: int
) -> int:
    """TCP connections a fresh engine opens for ``requests`` sequential streamed answers."""
    engine = EngineContender(target)
    await engine.open()
    try:
        await engine.chat(stream=True)  # the first request may open the pool: not counted
        emu.clear_requests()
        for _ in range(requests):
            reply = await engine.chat(stream=True)
            if reply.chunks < 2:
                raise RuntimeError("the engine's answer did not stream")
        counted = emu.request_count(PROVIDER)
        if counted != requests:
            raise RuntimeError(f"the emulator saw {counted} requests, expected {requests}")
        return int(emu.call("connections", provider=PROVIDER))
    finally:
        await engine.aclose()


async def run_hygiene(
    target: Target, emu: EmulatorProcess, runs: int, requests: int
) -> tuple[Figure, list[int]]:
    """``runs`` rounds of sequential streams; returns the connection figure and, per round,
    how many incidents that round alone produced (its own engine opened and closed)."""
    figure = Figure(
        SECTION,
        f"{requests} sequential streamed requests to one provider: TCP connections",
        "connections",
        1,
    )
    per_run: list[int] = []
    loop = asyncio.get_running_loop()
    for n in range(runs):
        with Incidents().watching(loop) as incidents:
            figure.values.append(await connections_for_sequential_streams(target, emu, requests))
            await asyncio.sleep(0)  # let the loop run any finaliser it was handed
        per_run.append(len(incidents.seen))
        for line in incidents.seen[:3]:
            print(f"    incident: {line}", flush=True)
        print(
            f"  hygiene run {n + 1}: {figure.values[-1]:.0f} connection(s) for {requests} "
            f"streams, {len(incidents.seen)} incident(s)",
            flush=True,
        )
    return figure, per_run


def incidents_figure(counts: list[int], what: str) -> Figure:
    """Unclosed streams, loop errors and warnings: every count must be zero."""
    return Figure(
        SECTION,
        f"unclosed streams, loop errors and warnings ({what})",
        "incidents",
        0,
        values=[float(c) for c in counts],
    )
