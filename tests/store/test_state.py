"""StateStore: round trip, bytes as base64, a damaged file starts empty, atomic save."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.store.state import StateStore


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.json"
    state = StateStore(path)
    geometry = bytes(range(256))
    state.set_bytes("main/geometry", geometry)
    state.set("main/splitter", [200, 800])
    state.set("main/tab", "chat")
    state.save()
    again = StateStore(path)
    assert again.get_bytes("main/geometry") == geometry
    assert again.get_int_list("main/splitter") == [200, 800]
    assert again.get_str("main/tab") == "chat"
    assert again.get("missing", 7) == 7
    assert isinstance(json.loads(path.read_text())["main/geometry"], str)
    assert sorted(p.name for p in path.parent.iterdir()) == ["state.json"]


def test_wrong_shapes_read_as_absent(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "state.json")
    state.set("g", "not base64!!")
    state.set("s", [1, "x"])
    state.set("t", 3)
    assert state.get_bytes("g") is None
    assert state.get_int_list("s") is None
    assert state.get_int_list("t") is None
    assert state.get_str("t", "chat") == "chat"
    state.remove("t")
    state.remove("t")
    assert state.get("t") is None


def test_damaged_file_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    for content in ("{broken", "[]"):
        path.write_text(content)
        state = StateStore(path)
        assert state.get("anything") is None
        state.set("tab", "images")
        state.save()
        assert StateStore(path).get("tab") == "images"
