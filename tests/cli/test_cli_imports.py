"""The command line loads only what a command needs (issue 8): history and help stay light.

Checked by module, not by time (tests/bench times them): a history command that imported Qt,
the HTTP stack or Pillow would take 10× longer than ``python -c pass``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fresh_python import last_json

HEAVY = ("PySide6", "httpx2", "httpcore2", "PIL", "keyring", "qasync", "asyncio")

PROBE = """
import json, runpy, sys
heavy = json.loads(sys.argv[2])
sys.argv = ["switchboard", *json.loads(sys.argv[1])]
try:
    runpy.run_module("desktop", run_name="__main__")
except SystemExit:
    pass
loaded = {m.split(".")[0] for m in sys.modules} & set(heavy)
sys.__stdout__.write("\\n" + json.dumps(sorted(loaded)))
"""

# What each light command must not import, by module name: the other commands, the layers
# below the store, and the standard modules only other commands need (issue 8).
OTHER_COMMANDS = (
    "desktop.cli_about",
    "desktop.cli_chat",
    "desktop.cli_compare",
    "desktop.cli_costs",
    "desktop.cli_media",
    "desktop.cli_models",
    "desktop.cli_providers",
    "desktop.cli_video",
)
NOT_FOR_HISTORY = (
    *OTHER_COMMANDS,
    "desktop.services",
    "desktop.engine",
    "desktop.providers",
    "desktop.ui",
    "desktop.core.table",
    "desktop.core.media_types",
    "desktop.store.cost_ledger",
    "desktop.store.settings",
    "desktop.store.secrets",
    "logging",
    "secrets",
    # ``dataclasses`` imports ``inspect`` (and ``ast``, ``dis``, ``tokenize``): ≈ 5 ms of a
    # ≈ 8 ms ``python -c pass``. The records are named tuples instead.
    "dataclasses",
    "inspect",
    "threading",  # the history's lock comes from _thread
)
NOT_FOR_HELP = (
    *NOT_FOR_HISTORY,
    "desktop.cli_history",
    "desktop.store",
    "sqlite3",
    "shutil",  # argparse's formatter imports it for the width; ours reads it from os
)

MODULES = """
import json, runpy, sys
sys.argv = ["switchboard", *json.loads(sys.argv[1])]
try:
    runpy.run_module("desktop", run_name="__main__")
except SystemExit:
    pass
import gc
sys.__stdout__.write("\\n" + json.dumps([gc.isenabled(), sorted(sys.modules)]))
"""


def run_probe(argv: list[str], env: dict[str, str] | None = None) -> tuple[bool, set[str]]:
    """Whether the garbage collector was on after ``switchboard ARGV``, and every module it
    imported, run in a fresh interpreter."""
    collecting, modules = last_json(MODULES, json.dumps(argv), env=env)
    return collecting, set(modules)


def imported(argv: list[str]) -> set[str]:
    return run_probe(argv)[1]


def within(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["history", "list"], ["history", "search", "tea"], ["history", "list", "--json"]],
)
def test_light_commands_import_no_heavy_module(argv: list[str], isolated_dirs: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"{argv} imported {loaded}"


def test_help_imports_neither_the_store_nor_any_command(isolated_dirs: Path) -> None:
    modules = imported(["--help"])
    assert within(modules, NOT_FOR_HELP) == []


@pytest.mark.parametrize(
    "argv",
    [["history", "list"], ["history", "search", "tea"], ["history", "list", "--json"]],
)
def test_history_imports_only_the_history(argv: list[str], isolated_dirs: Path) -> None:
    imported(["history", "list"])  # made the database: its schema steps log (and import logging)
    modules = imported(argv)
    assert "desktop.store.history" in modules  # the probe ran the command
    assert within(modules, (*NOT_FOR_HISTORY, "desktop.core.base_urls")) == []


def test_history_show_adds_at_most_the_provider_names(isolated_dirs: Path) -> None:
    from desktop.store.history import HistoryStore
    from desktop.store.paths import AppPaths

    paths = AppPaths.default()
    paths.ensure()
    with HistoryStore(paths.history_db) as history:  # an answer whose provider is named
        conversation = history.create_conversation("Tea")
        history.add_message(conversation, "user", "Green or black?")
        history.add_message(conversation, "assistant", "Green.", provider="cerebras")
    modules = imported(["history", "show", str(conversation)])
    assert "desktop.core.table" in modules  # the probe showed the answer and its provider
    assert set(within(modules, NOT_FOR_HISTORY)) <= {"desktop.core.table"}


def test_a_command_parser_is_built_for_that_command_alone() -> None:
    from desktop.cli_grammar import COMMANDS, build_parser

    def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return dict(sub.choices)

    assert list(commands(build_parser(["history", "list"]))) == ["history"]
    everything = commands(build_parser(["--help"]))
    assert list(everything) == list(COMMANDS)
    assert all(len(p._actions) == 1 for p in everything.values())  # -h only: no options
    assert all(len(p._actions) > 1 for p in commands(build_parser()).values())


@pytest.mark.parametrize("columns", [None, "40", "133", "0", "wide"])
@pytest.mark.parametrize("argv", [None, ["chat"], ["history", "search"]])
def test_help_reads_as_argparse_would_write_it(
    columns: str | None, argv: list[str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The formatter that spares ``shutil`` wraps at the same width as argparse's own."""
    from desktop.cli_grammar import build_parser

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    parser = build_parser(argv)
    for name in argv or []:
        (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    ours = parser.format_help()
    monkeypatch.setattr(parser, "formatter_class", argparse.HelpFormatter)
    assert ours == parser.format_help()


def test_history_upgrade_logs_only_when_debugging(isolated_dirs: Path) -> None:
    """Making the database logs its schema steps (INFO) through a lazily imported logger:
    nothing on stderr by default, the records with SWITCHBOARD_DEBUG."""
    root = Path(__file__).resolve().parents[2]
    argv = [sys.executable, "-m", "desktop", "history", "list"]
    env = {k: v for k, v in os.environ.items() if k != "SWITCHBOARD_DEBUG"}
    quiet = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=root, env=env)
    assert (quiet.returncode, quiet.stderr) == (0, "")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[name] = str(isolated_dirs / "again" / name.lower())
    debug = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        env=env | {"SWITCHBOARD_DEBUG": "1"},
    )
    assert debug.returncode == 0
    assert "History schema is now version" in debug.stderr


@pytest.mark.parametrize("argv", [["--help"], ["history", "list"], ["history", "nonsense"]])
def test_quick_commands_run_without_the_garbage_collector(
    argv: list[str], isolated_dirs: Path
) -> None:
    assert run_probe(argv)[0] is False


def test_other_commands_run_with_the_garbage_collector(
    monkeypatch: pytest.MonkeyPatch, isolated_dirs: Path
) -> None:
    from desktop import cli

    seen: list[bool] = []

    async def fake_run(args: argparse.Namespace) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(cli, "_run", fake_run)
    monkeypatch.setattr(cli, "_configure_logging", lambda: None)  # the test's own logging
    try:
        assert cli.main(["chat", "hello", "--model", "owner/name"]) == 0
    finally:
        gc.enable()
    assert seen == [True]
