"""AppPaths: XDG variables move every directory; ensure() creates them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop.store.paths import AppPaths


@pytest.mark.skipif(sys.platform != "linux", reason="XDG variables are a Linux convention")
def test_default_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    paths = AppPaths.default()
    assert paths.data_dir == tmp_path / "data" / "switchboard"
    assert paths.config_dir == tmp_path / "config" / "switchboard"
    assert paths.cache_dir == tmp_path / "cache" / "switchboard"
    assert paths.history_db == tmp_path / "data" / "switchboard" / "history.db"
    assert paths.settings_file == tmp_path / "config" / "switchboard" / "settings.json"


def test_files_live_in_their_directories(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "d", tmp_path / "c", tmp_path / "k")
    assert paths.history_db.parent == paths.data_dir
    assert paths.state_file.parent == paths.data_dir
    assert paths.media_dir.parent == paths.data_dir
    assert paths.settings_file.parent == paths.config_dir
    assert paths.catalogue_cache_dir.parent == paths.cache_dir
    assert paths.health_file.parent == paths.cache_dir


def test_ensure_creates_directories(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "a" / "d", tmp_path / "b" / "c", tmp_path / "c" / "k")
    paths.ensure()
    paths.ensure()  # idempotent
    for directory in (
        paths.data_dir,
        paths.config_dir,
        paths.cache_dir,
        paths.media_dir,
        paths.catalogue_cache_dir,
    ):
        assert directory.is_dir()
    if sys.platform != "win32":
        assert paths.data_dir.stat().st_mode & 0o077 == 0
