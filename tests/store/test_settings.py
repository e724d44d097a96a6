"""Settings: defaults, helpers, validation, round trip, atomic write, bad files, migrations."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from desktop.core.table import DEFAULT_ORDER, PROVIDERS, Task
from desktop.store import settings as settings_mod
from desktop.store.settings import (
    DEFAULT_CHAT_MODEL,
    SETTINGS_VERSION,
    CustomEndpoint,
    Settings,
    SettingsError,
    SettingsStore,
    migrate,
)


def local(name: str = "local", url: str = "http://localhost:8000/v1") -> CustomEndpoint:
    return CustomEndpoint(name, url, {"llama": "llama-3.1-8b-q4"}, needs_key=False)


# --- Defaults and helpers


def test_defaults() -> None:
    s = Settings()
    assert s.version == SETTINGS_VERSION == 1
    assert s.provider_order == list(DEFAULT_ORDER)
    assert s.default_models[Task.CHAT.value] == DEFAULT_CHAT_MODEL
    assert s.chat_policy == "auto"
    assert s.disabled == [] and s.custom_endpoints == [] and s.recent_models == []
    assert sorted(s.ordered_providers()) == sorted(PROVIDERS)


def test_the_order_follows_every_edit_even_in_place() -> None:
    """The ranks are worked out once per order (issue 8): an edit made in place counts too."""
    s = Settings()
    last = s.ordered_providers()[-1]
    s.provider_order.insert(0, last)
    assert s.ordered_providers()[0] == last and s.provider_ranks()[last] == 0
    s.custom_endpoints.append(local())
    assert s.ordered_providers()[-1] == "local" and s.is_enabled("local")
    s.provider_order.insert(0, "local")
    assert s.ordered_providers()[:2] == ["local", last]


def test_defaults_are_not_shared() -> None:
    a, b = Settings(), Settings()
    a.provider_order.append("x")
    a.default_models["x"] = "y"
    assert "x" not in b.provider_order and "x" not in b.default_models


def test_served_name() -> None:
    ep = local()
    assert ep.served_name("llama") == "llama-3.1-8b-q4"
    assert ep.served_name("other") == "other"


def test_ordered_providers_appends_missing_and_drops_unknown() -> None:
    s = Settings(provider_order=["together", "gone-provider", "groq"])
    s.add_custom(local())
    order = s.ordered_providers()
    assert order[:2] == ["together", "groq"]
    assert "gone-provider" not in order
    assert order[-1] == "local"
    assert len(order) == len(set(order)) == len(PROVIDERS) + 1


def test_is_enabled() -> None:
    s = Settings(disabled=["groq"])
    assert not s.is_enabled("groq")
    assert s.is_enabled("together")
    assert not s.is_enabled("no-such-provider")
    s.set_enabled("groq", True)
    assert s.is_enabled("groq")
    s.set_enabled("cohere", False)
    assert not s.is_enabled("cohere")
    with pytest.raises(SettingsError):
        s.set_enabled("no-such-provider", False)


def test_add_custom_normalises_and_orders_last() -> None:
    s = Settings()
    stored = s.add_custom(CustomEndpoint("  my box ", " https://box.example/v1/ ", {}))
    assert stored.name == "my box" and stored.base_url == "https://box.example/v1"
    assert s.custom("my box") is stored
    assert s.custom("nope") is None
    assert s.ordered_providers()[-1] == "my box"
    assert s.is_enabled("my box")


@pytest.mark.parametrize(
    ("endpoint", "fragment"),
    [
        (CustomEndpoint("", "http://x"), "needs a name"),
        (CustomEndpoint("   ", "http://x"), "needs a name"),
        (CustomEndpoint("groq", "http://x"), "built-in provider"),
        (CustomEndpoint("GROQ", "http://x"), "built-in provider"),
        (CustomEndpoint("huggingface", "http://x"), "reserved"),
        (CustomEndpoint("auto", "http://x"), "reserved"),
        (CustomEndpoint("x", "ftp://host/v1"), "http:// or https://"),
        (CustomEndpoint("x", "localhost:8000"), "http:// or https://"),
        (CustomEndpoint("x", "http://"), "names no server"),
        (CustomEndpoint("x", "http://h", {"": "m"}), "model"),
    ],
)
def test_add_custom_rejects(endpoint: CustomEndpoint, fragment: str) -> None:
    s = Settings()
    with pytest.raises(SettingsError) as info:
        s.add_custom(endpoint)
    message = str(info.value)
    assert fragment in message
    assert message.endswith(".") and "\n" not in message
    assert s.custom_endpoints == []


def test_add_custom_rejects_duplicate_case_insensitively() -> None:
    s = Settings()
    s.add_custom(local("Local"))
    with pytest.raises(SettingsError, match="already exists"):
        s.add_custom(local("local"))


def test_remove_custom_forgets_every_mention() -> None:
    s = Settings()
    s.add_custom(local())
    s.set_order(["local", "groq"])
    s.set_enabled("local", False)
    s.chat_policy = "local"
    s.remove_custom("local")
    assert s.custom("local") is None
    assert "local" not in s.provider_order and "local" not in s.disabled
    assert s.chat_policy == "auto"
    assert "local" not in s.ordered_providers()
    with pytest.raises(SettingsError, match="no custom endpoint"):
        s.remove_custom("local")


def test_set_order_keeps_the_rest_in_relative_order() -> None:
    s = Settings()
    s.add_custom(local())
    s.set_order(["hf-inference", "local"])
    expected_rest = [p for p in [*DEFAULT_ORDER, "local"] if p not in ("hf-inference", "local")]
    assert s.ordered_providers() == ["hf-inference", "local", *expected_rest]
    # a second partial reorder keeps the previous user order for the others
    s.set_order(["groq"])
    assert s.ordered_providers()[:3] == ["groq", "hf-inference", "local"]


@pytest.mark.parametrize("ids", [["groq", "nope"], ["groq", "groq"]])
def test_set_order_validates(ids: list[str]) -> None:
    s = Settings()
    before = list(s.provider_order)
    with pytest.raises(SettingsError):
        s.set_order(ids)
    assert s.provider_order == before


def test_remember_model() -> None:
    s = Settings()
    for i in range(30):
        s.remember_model(f"m{i}")
    s.remember_model("m20")
    assert s.recent_models[0] == "m20"
    assert len(s.recent_models) == settings_mod.RECENT_MODELS_LIMIT
    assert len(set(s.recent_models)) == len(s.recent_models)
    s.remember_model("")
    assert "" not in s.recent_models


# --- The file


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "nowhere" / "settings.json")
    assert store.load() == Settings()
    assert store.load_warning is None


def test_round_trip(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "cfg" / "settings.json")
    s = Settings()
    s.add_custom(CustomEndpoint("lab", "https://lab.example/v1", {"q": "qwen"}, needs_key=True))
    s.set_order(["lab", "together"])
    s.set_enabled("groq", False)
    s.default_models[Task.TEXT_TO_IMAGE.value] = "black-forest-labs/FLUX.1-schnell"
    s.chat_policy = "fastest"
    s.remember_model("Qwen/Qwen2.5-7B-Instruct")
    store.save(s)
    loaded = SettingsStore(store.path).load()
    assert loaded == s
    assert isinstance(loaded.custom_endpoints[0], CustomEndpoint)
    # human-readable JSON with the version
    text = store.path.read_text(encoding="utf-8")
    assert text.startswith("{\n  ")
    assert json.loads(text)["version"] == SETTINGS_VERSION


def test_save_leaves_no_temp_files(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    for _ in range(3):
        store.save(Settings())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_failed_save_keeps_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    store.save(Settings(chat_policy="cheapest"))
    before = store.path.read_bytes()

    def broken_replace(_src: Any, _dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.save(Settings(chat_policy="fastest"))
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2, 3]",
        '{"version": 1, "provider_order": "groq"}',
        '{"version": 1, "custom_endpoints": [{"name": 3}]}',
        '{"version": "one"}',
        "",
    ],
)
def test_corrupt_file_is_set_aside(tmp_path: Path, content: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content, encoding="utf-8")
    store = SettingsStore(path)
    assert store.load() == Settings()
    assert store.load_warning is not None
    assert "could not be read" in store.load_warning
    bad = list(tmp_path.glob("settings.json.bad-*"))
    assert len(bad) == 1
    assert bad[0].read_text(encoding="utf-8") == content
    assert bad[0].name in store.load_warning
    assert not path.exists()
    # the next save writes a fresh file, and the next load is clean
    store.save(Settings())
    assert store.load() == Settings() and store.load_warning is None


def test_two_bad_files_in_the_same_second_are_both_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    store = SettingsStore(path)
    for text in ("{bad", "{worse"):
        path.write_text(text, encoding="utf-8")
        store.load()
    kept = sorted(p.read_text(encoding="utf-8") for p in tmp_path.glob("settings.json.bad-*"))
    assert kept == ["{bad", "{worse"]


def test_newer_version_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": SETTINGS_VERSION + 1, "x": 1}), encoding="utf-8")
    store = SettingsStore(path)
    assert store.load() == Settings()
    assert store.load_warning is not None and "newer version" in store.load_warning
    assert len(list(tmp_path.glob("settings.json.bad-*"))) == 1


def test_unknown_keys_and_missing_keys(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "chat_policy": "cheapest", "future": 1}))
    s = SettingsStore(path).load()
    assert s.chat_policy == "cheapest"
    assert s.provider_order == list(DEFAULT_ORDER)


# --- Migrations


def test_migration_from_v0(tmp_path: Path) -> None:
    """v0 had no version field and called the provider order ``order``."""
    path = tmp_path / "settings.json"
    v0 = {
        "order": ["together", "groq"],
        "disabled": ["cohere"],
        "custom_endpoints": [{"name": "box", "base_url": "http://box:8080/v1", "models": {}}],
    }
    path.write_text(json.dumps(v0), encoding="utf-8")
    store = SettingsStore(path)
    s = store.load()
    assert store.load_warning is None
    assert s.version == SETTINGS_VERSION
    assert s.provider_order == ["together", "groq"]
    assert s.ordered_providers()[:2] == ["together", "groq"]
    assert s.disabled == ["cohere"]
    assert s.custom("box") is not None
    store.save(s)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["version"] == SETTINGS_VERSION
    assert "order" not in saved and saved["provider_order"] == ["together", "groq"]


def test_migrations_run_in_order_and_stamp_versions() -> None:
    calls: list[int] = []

    def step(n: int) -> settings_mod.Migration:
        def run(data: dict[str, Any]) -> dict[str, Any]:
            assert data.get("version", 0) == n
            calls.append(n)
            return {**data, f"seen{n}": True}

        return run

    out = migrate({"a": 1}, {2: step(2), 0: step(0), 1: step(1)}, target=3)
    assert calls == [0, 1, 2]
    assert out == {"a": 1, "seen0": True, "seen1": True, "seen2": True, "version": 3}
    assert migrate({"version": 3}, {}, target=3) == {"version": 3}


def test_migrate_does_not_mutate_input_and_rejects_gaps() -> None:
    data: dict[str, Any] = {"order": ["groq"]}
    migrate(data)
    assert data == {"order": ["groq"]}
    with pytest.raises(SettingsError, match="cannot be upgraded"):
        migrate({"version": 0}, {}, target=1)
    with pytest.raises(SettingsError, match="newer"):
        migrate({"version": 2}, {}, target=1)


def test_every_version_has_a_migration() -> None:
    assert sorted(settings_mod.MIGRATIONS) == list(range(SETTINGS_VERSION))
