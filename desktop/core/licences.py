"""The licences of the libraries Switchboard ships with, for the About box and ``switchboard
about``.

Why a table in code rather than package metadata: a frozen bundle does not carry every
``*.dist-info``, and the About box must say the same thing in a wheel and in the bundle. The
Qt notice is required by the LGPL: it names the licence, says the Qt libraries may be
replaced by the person's own build, and where Qt's source is offered.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bundled:
    """One shipped library: the distribution name, what it does for us, its licence, where."""

    dist: str
    purpose: str
    licence: str
    url: str

    def version(self) -> str | None:
        """The installed version, when the package metadata is present."""
        from importlib import metadata  # only when asked: it costs every command ~20 ms

        try:
            return metadata.version(self.dist)
        except metadata.PackageNotFoundError:
            return None


BUNDLED: tuple[Bundled, ...] = (
    Bundled("PySide6", "Qt for Python: the window", "LGPL-3.0-only", "https://pyside.org"),
    Bundled("shiboken6", "Qt for Python bindings", "LGPL-3.0-only", "https://pyside.org"),
    Bundled(
        "qasync",
        "Qt and asyncio together",
        "BSD-2-Clause",
        "https://github.com/CabbageDevelopment/qasync",
    ),
    Bundled("httpx2", "HTTP client", "BSD-3-Clause", "https://pypi.org/project/httpx2/"),
    Bundled("keyring", "system keyring access", "MIT", "https://github.com/jaraco/keyring"),
    Bundled(
        "SecretStorage",
        "Secret Service (Linux)",
        "BSD-3-Clause",
        "https://github.com/mitya57/secretstorage",
    ),
    Bundled("jeepney", "D-Bus (Linux)", "MIT", "https://gitlab.com/takluyver/jeepney"),
    Bundled("Pillow", "images", "MIT-CMU", "https://python-pillow.org"),
    Bundled("platformdirs", "per-user folders", "MIT", "https://github.com/tox-dev/platformdirs"),
    Bundled(
        "markdown-it-py",
        "Markdown in answers",
        "MIT",
        "https://github.com/executablebooks/markdown-it-py",
    ),
    Bundled("Pygments", "code highlighting", "BSD-2-Clause", "https://pygments.org"),
)

QT_NOTICE = (
    "Switchboard uses the Qt toolkit (Qt 6, The Qt Company Ltd. and contributors) through "
    "PySide6, under the GNU Lesser General Public License version 3 (LGPL-3.0). The Qt "
    "libraries are separate, dynamically linked files in the app's folder; you may replace "
    "them with your own build of the same Qt version. Qt's source code is available from "
    "https://download.qt.io/official_releases/qt/ and the licence text from "
    "https://www.gnu.org/licenses/lgpl-3.0.html. Qt Multimedia plays audio and video through "
    "FFmpeg libraries licensed under the LGPL-2.1-or-later (https://ffmpeg.org/legal.html)."
)

APP_LICENCE = "Switchboard is licensed under the Apache License 2.0."


def licence_lines() -> list[str]:
    """``name version — licence (purpose)`` for every bundled library, in table order."""
    lines = []
    for lib in BUNDLED:
        version = lib.version()
        name = f"{lib.dist} {version}" if version else lib.dist
        lines.append(f"{name} — {lib.licence} ({lib.purpose}) {lib.url}")
    return lines
