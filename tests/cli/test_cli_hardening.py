"""The command line against hostile text, bad ids, closed pipes and missing conversations."""

from __future__ import annotations

import json
import subprocess
import sys

from desktop.cli_text import InertWriter, inert, json_text
from tests.cli.conftest import ROOT, Run, as_json
from tests.emulator import LLAMA_8B, Emulator

HOSTILE = (
    "Title\x1b]0;pwned\x07 red\x1b[2J cleared\x08\x08 back\rover "
    "\u202eevil\u202c \x9b31m end\r\nnext line"
)
STEERING = ("\x1b", "\x07", "\x08", "\x9b", "\u202e", "\u202c")


def test_inert_keeps_words_and_shows_every_control() -> None:
    shown = inert(HOSTILE)
    assert not any(c in shown for c in STEERING)
    assert "\r" not in shown
    assert "Title" in shown and "next line" in shown and "\n" in shown  # CRLF → LF
    assert "␛]0;pwned␇" in shown and "<U+202E>evil" in shown


def test_json_text_is_exact_and_escaped() -> None:
    text = json_text({"answer": HOSTILE})
    assert not any(c in text for c in STEERING) and "\r" not in text
    assert json.loads(text) == {"answer": HOSTILE}  # nothing lost


def test_a_cr_lf_split_across_two_chunks_is_one_line_end(tmp_path) -> None:
    path = tmp_path / "out.txt"
    with path.open("w", encoding="utf-8", newline="") as raw:
        writer = InertWriter(raw)
        writer.write("one\r")
        writer.write("\ntwo\r")
        writer.finish()
    assert path.read_text(encoding="utf-8") == "one\ntwo␍"


def test_chat_never_writes_control_sequences_but_stores_them(run: Run, emulator: Emulator):
    emulator.set_reply(HOSTILE)
    proc = run("chat", "--model", LLAMA_8B, "Say something odd")
    assert proc.returncode == 0, proc.stderr
    assert not any(c in proc.stdout + proc.stderr for c in STEERING)
    assert "Title" in proc.stdout and "next line" in proc.stdout
    conv = as_json(run("history", "list", "--json"))[0]
    stored = as_json(run("history", "show", str(conv["id"]), "--json"))
    assert stored["messages"][-1]["content"] == HOSTILE  # kept exactly as received
    shown = run("history", "show", str(conv["id"]))
    assert not any(c in shown.stdout for c in STEERING)
    as_text = run("chat", "--model", LLAMA_8B, "--json", "again")
    assert not any(c in as_text.stdout for c in STEERING)
    assert json.loads(as_text.stdout)["text"] == HOSTILE


def test_a_path_like_model_id_never_reaches_the_hub(run: Run, emulator: Emulator):
    proc = run("chat", "--model", "../../etc/passwd", "Hi")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "is not a model id" in proc.stderr
    assert not any("passwd" in r.path for r in emulator.requests)


def test_a_huge_model_id_is_one_line(run: Run, emulator: Emulator):
    proc = run("chat", "--model", "a/" + "b" * 100_000, "Hi")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and len(lines[0]) < 300 and "not a model id" in lines[0]


def test_a_missing_conversation_is_one_line(run: Run, emulator: Emulator):
    proc = run("chat", "--conversation", "999", "--model", LLAMA_8B, "Hi")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "no conversation 999" in proc.stderr
    assert not emulator.requests_for("groq")  # nothing was sent


def test_reading_only_the_first_line_ends_quietly(cli_env: dict[str, str], emulator: Emulator):
    emulator.set_reply("line\n" * 20_000)
    proc = subprocess.run(
        f"{sys.executable} -m desktop chat --model {LLAMA_8B} 'many lines' | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.stdout == "line\n"
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_history_show_marks_an_interrupted_answer(run: Run, emulator: Emulator):
    emulator.fault("groq", "cut", after=2)
    proc = run("chat", "--model", LLAMA_8B, "--provider", "groq", "Tell me a story")
    assert proc.returncode == 3, proc.stderr
    conv = as_json(run("history", "list", "--json"))[0]
    shown = run("history", "show", str(conv["id"]))
    assert "interrupted" in shown.stdout


def test_a_bad_endpoint_variable_is_one_line_naming_it(run: Run, cli_env: dict[str, str]):
    proc = run("chat", "--model", LLAMA_8B, "Hi", env=cli_env | {"HF_ENDPOINT": "htp//nowhere"})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "HF_ENDPOINT" in lines[0]


def test_a_hand_edited_bad_address_is_refused_and_kept(
    run: Run, emulator: Emulator, cli_env: dict[str, str]
):
    from pathlib import Path

    from desktop.store.settings import SETTINGS_VERSION

    folder = Path(cli_env["XDG_CONFIG_HOME"]) / "switchboard"
    folder.mkdir(parents=True)
    settings = {
        "version": SETTINGS_VERSION,
        "custom_endpoints": [
            {"name": "lab", "base_url": "file:///etc/passwd", "models": {"mine": "x"}}
        ],
    }
    (folder / "settings.json").write_text(json.dumps(settings))
    proc = run("chat", "--model", "mine", "--provider", "lab", "Hi")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "lab" in proc.stderr and "http:// or https://" in proc.stderr
    kept = json.loads((folder / "settings.json").read_text())
    assert kept["custom_endpoints"][0]["base_url"] == "file:///etc/passwd"  # nothing lost
    # Auto routing is not broken by it: the server is just left out.
    assert run("chat", "--model", LLAMA_8B, "Hi").returncode == 0
