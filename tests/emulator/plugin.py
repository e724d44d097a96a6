"""Pytest fixtures for the emulator, importable from a conftest.

``pytest_plugins`` is only honoured in the root conftest, so from ``tests/conftest.py`` use::

    from tests.emulator.plugin import emulator, emulator_env  # noqa: F401
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest

from .server import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A started emulator, stopped after the test."""
    with Emulator() as emu:
        yield emu


@pytest.fixture
def emulator_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator with ``HF_ENDPOINT``, ``SWITCHBOARD_ROUTER_URL`` and every
    ``SWITCHBOARD_<ID>_URL`` pointing at it for the duration of the test."""
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    return emulator


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    """The same emulator under the short name the wire-level tests use."""
    return emulator


@pytest.fixture
async def client() -> AsyncIterator[httpx2.AsyncClient]:
    """A plain HTTP client for talking to the emulator directly (no proxy from the environment)."""
    async with httpx2.AsyncClient(timeout=5.0, trust_env=False) as c:
        yield c
