"""Fixtures for engine tests: a running emulator and Services wired to it (no Qt)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from desktop.engine.router import Deadlines
from desktop.services import Services
from desktop.store.paths import AppPaths
from tests.emulator import HF_TOKEN, Emulator
from tests.memory_keyring import MemoryKeyring

CLOSE_TIMEOUT_S = 10.0
FAST = Deadlines(ttft_s=1.0, ttft_min_s=1.0, ttft_max_s=1.0, idle_s=1.0, total_s=20.0)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


OpenServices = Callable[..., Any]


@pytest.fixture
async def open_services(
    tmp_path: Path, emulator: Emulator, memory_keyring: MemoryKeyring
) -> AsyncIterator[OpenServices]:
    """Open Services against the emulator; ``hf=False`` leaves out the HF token."""
    opened: list[Services] = []

    async def factory(
        *,
        hf: bool = True,
        extra_env: dict[str, str] | None = None,
        deadlines: Deadlines = FAST,
        subdir: str = "app",
    ) -> Services:
        env = emulator.env() | {"HF_TOKEN": HF_TOKEN} if hf else emulator.env()
        env |= extra_env or {}
        root = tmp_path / subdir
        paths = AppPaths(
            data_dir=root / "data", config_dir=root / "config", cache_dir=root / "cache"
        )
        services = await Services.open(paths=paths, env=env)
        services.engine.deadlines = deadlines
        opened.append(services)
        return services

    yield factory
    for services in opened:  # bounded: a close that hangs fails the test instead
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await services.aclose()
