"""The wheel carries every package and the shipped data files, and they are found installed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_under_desktop_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "desktop").rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert "desktop.resources" in listed


def test_shipped_files_are_read_from_an_installed_layout(tmp_path: Path) -> None:
    """As in the wheel: ``desktop/resources/…`` inside the package, no checkout around it."""
    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "desktop", site / "desktop", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "resources", site / "desktop" / "resources")
    code = (
        "import json, desktop.assets as a; d = a.read_json('starter_models.json'); "
        "print(json.dumps([a.SOURCE_DIR.exists(), sorted(d['tasks'])]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [
        False,
        ["chat", "embeddings", "image", "speak", "speech", "video"],
    ]
