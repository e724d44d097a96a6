"""Screenshots of every tab, light and dark, at 1024×640, 1440×900 and at scale 2, into docs/.

Run from the checkout root (a virtual screen is not needed: Qt's offscreen platform draws)::

    python -m tests.screenshots            # all of them (one process per scale)

The window is a person's who has used it for a while (:mod:`tests.screenshot_content`: a
chat with a long answer, pictures, a video, transcripts, an embeddings run, providers with
their recent health), on temporary folders with a memory keyring holding a token; plus one
shot of what a new user sees first (the welcome). Each PNG is reduced to a palette of 128
colours and optimised so it stays small. Look at them: they are how clipping at small sizes
and in dark mode is caught.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when run, after the platform and scale are set
    from PySide6.QtWidgets import QWidget

    from desktop.services import Services
    from desktop.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SIZES = ((1024, 640, 1, "1024x640"), (1440, 900, 1, "1440x900"), (1024, 640, 2, "1024x640-scale2"))
THEMES = ("light", "dark")
MAX_BYTES = 150_000
TOKEN = "hf_screenshotsOnlyNotARealToken0123456789"


def shrink(path: Path) -> None:
    """A 128-colour palette PNG, optimised (UI screenshots have few colours)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=48).save(path, optimize=True)


async def settle(seconds: float) -> None:
    """Let the running loop paint and finish what the pages load (history, thumbnails)."""
    await asyncio.sleep(seconds)


async def shoot(width: int, height: int, label: str) -> list[Path]:
    import keyring
    from PySide6.QtWidgets import QApplication

    from desktop.app import make_application
    from desktop.core.table import HF_CREDENTIAL
    from desktop.services import Services
    from desktop.store.paths import AppPaths
    from desktop.ui.main_window import TAB_NAMES
    from desktop.ui.theme import set_theme
    from tests.memory_keyring import MemoryKeyring
    from tests.screenshot_content import seed

    keyring.set_keyring(MemoryKeyring())
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    written: list[Path] = []
    env = {"PATH": os.environ.get("PATH", "")}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        if label == "1024x640":  # what a new user sees first, before any token
            fresh = AppPaths(base / "new" / "data", base / "new" / "config", base / "new" / "cache")
            services = await Services.open(paths=fresh, env=env)
            try:
                set_theme(make_application([]), "light")
                window = _window(services, width, height)
                await settle(0.5)
                written.append(_capture(window, DOCS / "welcome-light-1024x640.png"))
                await window.shutdown()
            finally:
                await services.aclose()
        paths = AppPaths(base / "data", base / "config", base / "cache")
        services = await Services.open(paths=paths, env=env)
        try:
            await services.set_secret(HF_CREDENTIAL, TOKEN)
            seeded = seed(services, time.time())
            for theme in THEMES:
                set_theme(make_application([]), theme)
                window = _window(services, width, height)
                window.chat.refresh_first_launch()
                window.chat.open_conversation(seeded.conversation)
                for index, name in enumerate(TAB_NAMES):
                    window.tabs.setCurrentIndex(index)
                    await settle(0.4)  # the page is built and reads its history meanwhile
                    if name == "speech":
                        window.speech.open_record(seeded.transcript)
                    elif name == "embeddings":
                        window.embeddings.open_record(seeded.embeddings)
                    elif name == "library":
                        window.library.select_generation(seeded.picture)
                    await settle(0.8)
                    path = DOCS / f"tab-{name}-{theme}-{label}.png"
                    written.append(_capture(window, path))
                await window.shutdown()
        finally:
            await services.aclose()
    return written


def _window(services: Services, width: int, height: int) -> MainWindow:
    from desktop.ui.main_window import MainWindow

    window = MainWindow(services)
    window.setMinimumSize(0, 0)
    window.resize(width, height)
    window.show()
    return window


def _capture(window: QWidget, path: Path) -> Path:
    window.grab().save(str(path))
    shrink(path)
    return path


def one(width: int, height: int, label: str) -> None:
    import qasync

    from desktop.app import make_application

    app = make_application([sys.argv[0]])
    runner = asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app))
    for path in runner.run(shoot(width, height, label)):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB", flush=True)
    # Every file is written; closing the loop can wait on stray page tasks (see the warnings
    # above), which a one-shot tool need not do.
    os._exit(0)


def main() -> int:
    if len(sys.argv) == 4:
        one(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
        return 0
    DOCS.mkdir(exist_ok=True)
    for width, height, scale, label in SIZES:
        env = os.environ | {"QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": str(scale)}
        command = [sys.executable, "-m", "tests.screenshots", str(width), str(height), label]
        subprocess.run(command, cwd=ROOT, env=env, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
