"""The entry point: commands go to the CLI, the window needs a display."""

from __future__ import annotations

import sys
import types

import pytest

from desktop import app


def test_no_display_exits_with_one_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert app.main(["switchboard"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == app.NO_DISPLAY_MESSAGE
    assert err.count("\n") == 0


def test_display_detection() -> None:
    assert not app.has_display({})
    assert app.has_display({"DISPLAY": ":0"})
    assert app.has_display({"WAYLAND_DISPLAY": "wayland-0"})
    assert app.has_display({"QT_QPA_PLATFORM": "offscreen"})


@pytest.mark.parametrize(
    "word", ["chat", "providers", "history", "--help", "-h", "--version", "about"]
)
def test_command_words_go_to_the_cli(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    seen: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        seen.append(list(argv))
        return 0

    fake = types.ModuleType("desktop.cli")
    fake.main = fake_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "desktop.cli", fake)
    import desktop

    monkeypatch.setattr(desktop, "cli", fake, raising=False)
    assert app.main(["switchboard", word, "x"]) == 0
    assert seen == [[word, "x"]]
