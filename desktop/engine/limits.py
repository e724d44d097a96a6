"""Per-provider concurrency limit where interactive requests jump the queue.

A batch of background work (many embeddings, many images) must not trip a provider's rate
limiter or make the user's chat wait behind it (routing.md §5.11): at most ``limit`` requests
run per provider, and a waiting interactive request is always let in before background ones.
"""

from __future__ import annotations

import asyncio
from collections import deque
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

    def slot(self, provider: str, *, interactive: bool = True) -> _Slot:
        """``async with limiter.slot(provider):`` runs the block in one of its slots."""
        gate = self._gates.get(provider)
        if gate is None:
            gate = self._gates[provider] = _Gate()
        return _Slot(self, gate, interactive)

    def take_free(self, provider: str, interactive: bool = True) -> _Gate | None:
        """Take one of ``provider``'s slots if one is free and nobody waits for one: the gate
        to :meth:`release` it to; None when the caller must wait (:meth:`take`). Without the
        context manager's object and coroutines, which cost more than the count (issue 8)."""
        gate = self._gates.get(provider)
        if gate is None:
            gate = self._gates[provider] = _Gate()
        if (
            gate.running < self.limit
            and not gate.interactive
            and (interactive or not gate.background)
        ):
            gate.running += 1
            return gate
        return None

    async def take(self, provider: str, interactive: bool = True) -> _Gate:
        """Wait for one of ``provider``'s slots; the gate to :meth:`release` it to."""
        gate = self._gates.get(provider)
        if gate is None:
            gate = self._gates[provider] = _Gate()
        await self._acquire(gate, interactive)
        return gate

    def release(self, gate: _Gate) -> None:
        """Give back a slot taken with :meth:`take_free` or :meth:`take`."""
        self._release(gate)

    async def _acquire(self, gate: _Gate, interactive: bool) -> None:
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

    def _release(self, gate: _Gate) -> None:
        for queue in (gate.interactive, gate.background):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the slot passes straight to the waiter
                    return
        gate.running -= 1


class _Slot:
    """One request's slot as a plain async context manager: a generator-based one costs more
    than the rest of the limiter's work on every request (issue 8)."""

    __slots__ = ("_gate", "_interactive", "_limiter")

    def __init__(self, limiter: ProviderLimiter, gate: _Gate, interactive: bool) -> None:
        self._limiter = limiter
        self._gate = gate
        self._interactive = interactive

    async def __aenter__(self) -> None:
        gate = self._gate
        if (
            gate.running < self._limiter.limit
            and not gate.interactive
            and (self._interactive or not gate.background)
        ):  # a free slot and nobody waiting for one
            gate.running += 1
            return
        await self._limiter._acquire(gate, self._interactive)

    async def __aexit__(self, *exc: object) -> None:
        self._limiter._release(self._gate)
