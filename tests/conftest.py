"""Fixtures every test gets: private directories, an in-memory keyring, no provider variables.

Why autouse: no test may ever touch the real user's data, settings, keyring or tokens, and
none may reach a real provider because a developer happens to have ``HF_TOKEN`` set. This
file imports no Qt, so the engine and store suites also run where PySide6 is not installed.
"""

from __future__ import annotations

import os

# Before anything imports Qt: widgets run without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from tests.emulator.plugin import client, emu, emulator, emulator_env  # noqa: F401 (fixtures)

PROVIDER_VARIABLES = frozenset(
    {"HF_TOKEN", "HF_ENDPOINT", "HUGGING_FACE_HUB_TOKEN", "FAL_KEY", "REPLICATE_API_TOKEN"}
)


def is_provider_variable(name: str) -> bool:
    """Tokens, keys and endpoint overrides that would change where a test's requests go."""
    return (
        name in PROVIDER_VARIABLES or name.endswith("_API_KEY") or name.startswith("SWITCHBOARD_")
    )


# Property tests: the same examples on every run (a failure always reproduces), no example
# database left in the working tree, no per-example time limit on a shared machine.
hypothesis_settings.register_profile(
    "switchboard", derandomize=True, database=None, deadline=None, max_examples=150
)
hypothesis_settings.load_profile("switchboard")

UI_TESTS = Path(__file__).parent / "ui"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under ``tests/ui`` needs Qt: mark it ``gui`` (``-m "not gui"`` skips them)."""
    for item in items:
        if item.path.is_relative_to(UI_TESTS):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point the XDG data, config and cache homes at a fresh temporary folder."""
    root = tmp_path_factory.mktemp("home")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        place = root / name.lower()
        place.mkdir()
        monkeypatch.setenv(name, str(place))
    return root


@pytest.fixture(autouse=True)
def no_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every token, key and endpoint variable of the developer's shell."""
    for name in list(os.environ):
        if is_provider_variable(name):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def memory_keyring(request: pytest.FixtureRequest) -> Iterator[object | None]:
    """A fresh in-memory keyring per test (tests marked ``keyring_real`` keep the real one)."""
    if request.node.get_closest_marker("keyring_real"):
        yield None
        return
    import keyring

    from tests.memory_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
