"""`history show` lists every version of a turn, not only the one shown."""

from __future__ import annotations

from pathlib import Path

from desktop.store.history import HistoryStore
from tests.cli.conftest import Run, as_json


def test_history_show_lists_the_versions_of_an_answer(run: Run, tmp_path: Path) -> None:
    db = tmp_path / "data" / "switchboard" / "history.db"
    db.parent.mkdir(parents=True)
    with HistoryStore(db) as history:
        cid = history.create_conversation("Otters")
        history.add_message(cid, "user", "Tell me about otters")
        first = history.add_message(cid, "assistant", "Otters are weasels.")
        history.add_message(cid, "assistant", "Otters hold hands.", version_of=first)
    shown = run("history", "show", str(cid))
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert "version 2 of 2" in out and "Otters hold hands." in out
    assert "version 1 of 2, not shown" in out and "Otters are weasels." in out
    assert out.index("Otters hold hands.") < out.index("Otters are weasels.")
    data = as_json(run("history", "show", str(cid), "--json"))
    answer = data["messages"][-1]
    assert answer["content"] == "Otters hold hands." and answer["version"] == 2
    assert [v["content"] for v in answer["other_versions"]] == ["Otters are weasels."]
