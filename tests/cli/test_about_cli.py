"""``switchboard about``: what the About box says, for a terminal and for dist-check."""

from __future__ import annotations

from pathlib import Path

from desktop import __version__
from tests.cli.conftest import Run, as_json


def test_about_names_the_places_and_says_why_keys_cannot_be_kept(
    run: Run, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # cli_env configures keyring's null backend: nothing could be stored, and about says so.
    data = as_json(run("about", "--json"))
    assert data["version"] == __version__
    assert data["frozen"] is False
    assert data["data_dir"] == str(tmp_path / "data" / "switchboard")
    assert data["settings_dir"] == str(tmp_path / "config" / "switchboard")
    assert data["backups_dir"] == data["data_dir"]
    assert data["keyring"]["ok"] is False
    assert data["keyring"]["sentence"].startswith("No system keyring was found (the null keyring")
    assert any(line.startswith("PySide6 ") and "LGPL-3.0" in line for line in data["licences"])

    text = run("about")
    assert text.returncode == 0 and text.stderr == ""
    assert text.stdout.startswith(f"Switchboard {__version__}\n")
    assert "Keyring: No system keyring was found" in text.stdout
    assert "GNU Lesser General Public License" in text.stdout
    assert "about" in run("--help").stdout
