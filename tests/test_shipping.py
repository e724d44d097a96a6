"""What a person installs: the menu entry, the AppStream metainfo, the icon sizes, the wheel's
resources, and the install/uninstall scripts of the Linux tarball.

This is the fast part of ``make dist-check`` that runs in ``make test``: it needs no frozen
build, only desktop-file-utils and appstream (in the Makefile's TEST_DEBS).
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from desktop import __version__

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"
DESKTOP_FILE = RESOURCES / "switchboard.desktop"
METAINFO = RESOURCES / "io.github.switchboard.Switchboard.metainfo.xml"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # make test installs it (TEST_DEBS); say what is missing elsewhere
        pytest.skip(f"{name} is not installed (apt-get install desktop-file-utils appstream)")
    return path


def desktop_entry(path: Path = DESKTOP_FILE) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_the_menu_entry_validates_and_matches_the_running_app() -> None:
    proc = subprocess.run(
        [tool("desktop-file-validate"), str(DESKTOP_FILE)], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout + proc.stderr
    entry = desktop_entry()
    # The window's app id (setDesktopFileName) and icon must name this very file and icon,
    # or the desktop shows a generic icon and a second task-bar entry.
    from desktop.ui.app_icon import DESKTOP_ID, desktop_file_name

    assert DESKTOP_FILE.stem == DESKTOP_ID == desktop_file_name({})
    assert desktop_file_name({"FLATPAK_ID": "io.github.switchboard.Switchboard"}) == (
        "io.github.switchboard.Switchboard"
    )
    assert entry["Icon"] == DESKTOP_ID
    assert entry["StartupWMClass"] == DESKTOP_ID
    assert entry["Exec"].split()[0] == "switchboard"
    assert "Utility" in entry["Categories"].split(";")


def test_the_metainfo_validates_and_points_at_the_menu_entry() -> None:
    proc = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") + ".metainfo.xml" == METAINFO.name
    assert root.findtext("launchable") == DESKTOP_FILE.name
    assert root.findtext("icon") == "switchboard"
    releases = [r.get("version") for r in root.iter("release")]
    assert __version__ in releases, "add a <release> for the new version to the metainfo"
    # No web address is shipped until the project has a public home: none may be invented.
    assert not list(root.iter("url")) and not list(root.iter("image"))


def test_every_icon_size_is_a_square_png_of_that_size() -> None:
    for size in PNG_SIZES:
        path = RESOURCES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "switchboard.png"
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == (size, size)
            assert image.mode == "RGBA"
            # Drawn, not empty: the corners are transparent, the middle is not.
            assert image.getpixel((0, 0))[3] == 0  # type: ignore[index]
            assert image.getpixel((size // 2, size // 2))[3] == 255  # type: ignore[index]
    ET.parse(RESOURCES / "icons" / "switchboard.svg")  # well-formed


def test_the_wheel_carries_every_resource(tmp_path: Path) -> None:
    """``pip install .`` must bring every shipped file (built offline from a copy of the
    checkout, so the build leaves nothing in it)."""
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("desktop", "resources"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("switchboard-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = {
        "desktop/resources/" + p.relative_to(RESOURCES).as_posix()
        for p in RESOURCES.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped - names == set(), "add these patterns to package-data in pyproject.toml"
    assert "desktop/py.typed" in names
    assert "desktop/ui/about.py" in names


def fake_bundle(folder: Path) -> Path:
    """A stand-in for the PyInstaller folder: a program that prints its version."""
    bundle = folder / "bundle" / "switchboard"
    (bundle / "_internal").mkdir(parents=True)
    program = bundle / "switchboard"
    program.write_text(f"#!/bin/sh\necho switchboard {__version__}\n")
    program.chmod(0o755)
    return bundle


def test_the_tarball_installs_into_home_without_root_and_uninstalls(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(
        ["sh", str(ROOT / "packaging/linux/make_tarball.sh"), str(fake_bundle(tmp_path)),
         __version__, str(out)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    arch = os.uname().machine
    tarball = out / f"switchboard-{__version__}-linux-{arch}.tar.gz"
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    unpacked = tmp_path / "unpacked" / tarball.name.removesuffix(".tar.gz")
    home = tmp_path / "home"
    data = home / ".local/share/switchboard"
    data.mkdir(parents=True)
    (data / "history.db").write_text("the person's history")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}

    proc = subprocess.run(
        ["sh", str(unpacked / "install.sh")], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "is not on your PATH" in proc.stdout

    local = home / ".local"
    link = local / "bin/switchboard"
    version = subprocess.run([str(link)], capture_output=True, text=True, check=True).stdout
    assert version.strip() == f"switchboard {__version__}"
    installed_entry = local / "share/applications/switchboard.desktop"
    entry = desktop_entry(installed_entry)
    assert entry["Exec"] == f'"{local}/lib/switchboard/switchboard"'
    assert entry["TryExec"] == f"{local}/lib/switchboard/switchboard"
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(installed_entry)], check=True)
    icons = sorted(
        p.relative_to(local / "share/icons/hicolor").as_posix()
        for p in (local / "share/icons/hicolor").rglob("switchboard.*")
    )
    assert icons == sorted(
        [f"{s}x{s}/apps/switchboard.png" for s in PNG_SIZES] + ["scalable/apps/switchboard.svg"]
    )
    assert (local / "share/metainfo" / METAINFO.name).read_bytes() == METAINFO.read_bytes()

    # Installing again (an upgrade) works and leaves one copy.
    subprocess.run(["sh", str(unpacked / "install.sh")], env=env, check=True, capture_output=True)

    subprocess.run(
        ["sh", str(local / "lib/switchboard/uninstall.sh")],
        env=env,
        check=True,
        capture_output=True,
    )
    assert not link.exists() and not link.is_symlink()
    assert not installed_entry.exists()
    assert not (local / "lib/switchboard").exists()
    assert list((local / "share/icons/hicolor").rglob("switchboard.*")) == []
    assert not (local / "share/metainfo" / METAINFO.name).exists()
    assert (data / "history.db").read_text() == "the person's history"
