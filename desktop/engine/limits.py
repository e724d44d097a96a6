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
        return _Slot(self, provider, interactive)

    def take_free(self, provider: str, interactive: bool = True) -> _Gate | None:
        """Take one of ``provider``'s slots if one is free and nobody waits for one: the gate
        to :meth:`release` it to; None when the caller must wait (:meth:`take`). Without the
        context manager's object and coroutines, which cost more than the count (issue 8)."""
        gate = self._gate(provider)
        if not self._has_room(gate, interactive):
            return None
        gate.running += 1
        return gate

    async def take(self, provider: str, interactive: bool = True) -> _Gate:
        """Wait for one of ``provider``'s slots; the gate to :meth:`release` it to."""
        gate = self._gate(provider)
        if not self._has_room(gate, interactive):
            await self._wait_for_slot(gate, interactive)
        else:
            gate.running += 1
        return gate

    def release(self, gate: _Gate) -> None:
        """Give back a slot taken with :meth:`take_free` or :meth:`take`: it passes straight
        to the first waiter, interactive ones first."""
        for queue in (gate.interactive, gate.background):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        gate.running -= 1

    def _gate(self, provider: str) -> _Gate:
        gate = self._gates.get(provider)
        if gate is None:
            gate = self._gates[provider] = _Gate()
        return gate

    def _has_room(self, gate: _Gate, interactive: bool) -> bool:
        """A slot is free and nobody who goes first is waiting for one."""
        return (
            gate.running < self.limit
            and not gate.interactive
            and (interactive or not gate.background)
        )

    async def _wait_for_slot(self, gate: _Gate, interactive: bool) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = gate.interactive if interactive else gate.background
        queue.append(waiter)
        try:
            await waiter  # ``release`` hands the slot over (``running`` stays counted)
        except asyncio.CancelledError:
            if waiter in queue:
                queue.remove(waiter)
            elif waiter.done() and not waiter.cancelled():
                self.release(gate)  # we were handed a slot we will not use
            raise


class _Slot:
    """One request's slot as a plain async context manager: a generator-based one costs more
    than the rest of the limiter's work on every request (issue 8)."""

    __slots__ = ("_gate", "_interactive", "_limiter", "_provider")

    def __init__(self, limiter: ProviderLimiter, provider: str, interactive: bool) -> None:
        self._limiter = limiter
        self._provider = provider
        self._interactive = interactive
        self._gate: _Gate | None = None

    async def __aenter__(self) -> None:
        limiter = self._limiter
        self._gate = limiter.take_free(self._provider, self._interactive) or await limiter.take(
            self._provider, self._interactive
        )

    async def __aexit__(self, *exc: object) -> None:
        if self._gate is not None:
            self._limiter.release(self._gate)
