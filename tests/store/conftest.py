"""Fixtures for the store tests: everything lives under ``tmp_path``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from desktop.store.history import HistoryStore
from tests.memory_keyring import MemoryKeyring


class FakeClock:
    """A clock that moves forward one second per call, so ordering by time is exact."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def history(tmp_path: Path, clock: FakeClock) -> Iterator[HistoryStore]:
    store = HistoryStore(tmp_path / "history.db", clock=clock)
    yield store
    store.close()


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    """Put back whatever keyring backend was active before the test."""
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(restore_keyring: None) -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend
