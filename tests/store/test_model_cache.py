"""The model list cache: bounded, least recently used out, damaged files skipped."""

from __future__ import annotations

import os
from pathlib import Path

from desktop.store.model_cache import CachedList, ModelListCache, file_name


def entry(key: str, size: int = 1000) -> CachedList:
    return CachedList(key, 1.0, ["x" * size])


def age(cache: ModelListCache, key: str, seconds_ago: float) -> None:
    path = cache.directory / file_name(key)
    stamp = path.stat().st_mtime - seconds_ago
    os.utime(path, (stamp, stamp))


def test_the_least_recently_used_go_first_when_over_the_bound(tmp_path: Path) -> None:
    cache = ModelListCache(tmp_path / "models", max_bytes=3500)
    for i, key in enumerate(("a", "b", "c")):
        assert cache.write(entry(key)) == []
        age(cache, key, 100 - i * 10)  # a oldest, then b, then c
    cache.touch("a")  # used just now: now b is the oldest
    evicted = cache.write(entry("d"))
    assert evicted == ["b"]
    assert {e.key for e in cache.load_all()} == {"a", "c", "d"}
    assert cache.total_bytes() <= 3500


def test_damaged_and_foreign_files_are_skipped(tmp_path: Path) -> None:
    cache = ModelListCache(tmp_path / "models")
    cache.write(CachedList("hub|image|all|trending|30|", 5.0, [{"id": "a/b"}]))
    (tmp_path / "models" / "broken.json").write_text("{not json")
    (tmp_path / "models" / "other.json").write_text('{"no": "key"}')
    (loaded,) = cache.load_all()
    assert loaded == CachedList("hub|image|all|trending|30|", 5.0, [{"id": "a/b"}])


def test_an_unwritable_directory_costs_only_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = ModelListCache(blocker / "models")  # a directory inside a file cannot exist
    assert cache.write(entry("a")) == []
    assert cache.load_all() == []
