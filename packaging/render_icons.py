"""Render the application icon's PNG sizes (16 … 512) from ``resources/icons/switchboard.svg``.

Why PNGs at all: menus, docks and the hicolor theme on older desktops pick a bitmap of the
exact size, and Windows/macOS packagers want them too. They are drawn with Qt's own SVG
renderer (already a dependency), so no download or extra tool is needed, and they are
committed so a wheel built without Qt still carries them. Run again after the SVG changes:

    python packaging/render_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "switchboard.svg"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path = SVG, out_root: Path = HICOLOR) -> list[Path]:
    """Write ``<out_root>/<N>x<N>/apps/switchboard.png`` for every size; return the paths."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["render_icons", "-platform", "offscreen"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out_root / f"{size}x{size}" / "apps" / "switchboard.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"could not write {target}")
        written.append(target)
    return written


if __name__ == "__main__":
    for path in render(*(Path(a) for a in sys.argv[1:3])):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
