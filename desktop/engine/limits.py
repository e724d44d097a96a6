"""Per-provider concurrency limit where interactive requests jump the queue.

A batch of background work (many embeddings, many images) must not trip a provider's rate
limiter or make the user's chat wait behind it (routing.md §5.11): at most ``limit`` requests
run per provider, and a waiting interactive request is always let in before background ones.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

DEFAULT_LIMIT = 4


@dataclass
class _Gate:
    running: int = 0
    interactive: deque[asyncio.Future[None]] = field(default_factory=deque)
    background: deque[asyncio.Future[None]] = field(default_factory=deque)


class ProviderLimiter:
    """Counts requests in flight per provider and queues the rest, interactive first."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._gates: dict[str, _Gate] = {}

    def in_flight(self, provider: str) -> int:
        gate = self._gates.get(provider)
        return gate.running if gate else 0

    @contextlib.asynccontextmanager
    async def slot(self, provider: str, *, interactive: bool = True) -> AsyncIterator[None]:
        gate = self._gates.get(provider)
        if gate is None:
            gate = self._gates[provider] = _Gate()
        if gate.running >= self.limit or gate.interactive or (not interactive and gate.background):
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            queue = gate.interactive if interactive else gate.background
            queue.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in queue:
                    queue.remove(waiter)
                elif waiter.done() and not waiter.cancelled():
                    self._release(gate)  # we were handed a slot we will not use
                raise
        else:
            gate.running += 1
        try:
            yield
        finally:
            self._release(gate)

    def _release(self, gate: _Gate) -> None:
        for queue in (gate.interactive, gate.background):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the slot passes straight to the waiter
                    return
        gate.running -= 1
