"""MediaStore: content-addressed, sharded, idempotent, atomic."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from desktop.store.media import MediaStore


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    data = b"\x89PNG fake image"
    digest = hashlib.sha256(data).hexdigest()
    first = store.put(data, ".png")
    assert first == tmp_path / "media" / digest[:2] / (digest[2:] + ".png")
    assert first.read_bytes() == data
    mtime = first.stat().st_mtime_ns
    second = store.put(data, "PNG")
    assert second == first
    assert first.stat().st_mtime_ns == mtime  # not rewritten
    assert store.exists(digest, ".png")
    assert not store.exists(digest, ".jpg")
    assert store.path_for(digest, "png") == first
    # only the file itself, no temp litter
    assert [p.name for p in first.parent.iterdir()] == [first.name]


def test_different_content_different_files(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    a = store.put(b"a", ".mp4")
    b = store.put(b"b", ".mp4")
    assert a != b and a.read_bytes() == b"a" and b.read_bytes() == b"b"


def test_truncated_file_is_repaired(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    path = store.put(b"full content", ".wav")
    path.write_bytes(b"full")
    assert store.put(b"full content", ".wav").read_bytes() == b"full content"


@pytest.mark.parametrize("suffix", ["", ".", "../x", "/png", ".p/ng", ".verylongsuffix"])
def test_bad_suffix_is_refused(tmp_path: Path, suffix: str) -> None:
    with pytest.raises(ValueError):
        MediaStore(tmp_path).put(b"x", suffix)


def test_bad_digest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        MediaStore(tmp_path).path_for("../../etc/passwd", ".png")
