"""The one atomic writer: all-or-nothing replacement, no litter, the right permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from desktop.store.atomic import (
    SHARED_MODE,
    atomic_copy,
    atomic_write_bytes,
    atomic_write_text,
    replacing,
)


def test_replaces_the_whole_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "file.json"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new and longer")
    assert target.read_text() == "new and longer"
    assert os.listdir(target.parent) == ["file.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    atomic_write_text(target, "kept")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_text("half of the new cont")
        raise RuntimeError("disk full")
    assert target.read_text() == "kept"
    assert os.listdir(tmp_path) == ["settings.json"]


def test_private_by_default_exports_follow_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "secret.db", b"x")
        atomic_write_bytes(tmp_path / "export.png", b"x", mode=SHARED_MODE)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "secret.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "export.png").stat().st_mode) == 0o644


def test_a_copy_that_fails_leaves_the_old_target_whole(tmp_path: Path) -> None:
    target = tmp_path / "out" / "video.mp4"
    source = tmp_path / "made.mp4"
    source.write_bytes(b"new video")
    atomic_copy(source, target)
    assert target.read_bytes() == b"new video"
    with pytest.raises(FileNotFoundError):
        atomic_copy(tmp_path / "missing.mp4", target)
    assert target.read_bytes() == b"new video"
    assert os.listdir(target.parent) == ["video.mp4"]
