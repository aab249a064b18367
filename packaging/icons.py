"""Render the app icon from its one source, `resources/icons/tokenpulse.svg`, for every target.

- PNGs for the freedesktop hicolor theme, 16 to 512 px: `resources/icons/hicolor/<n>x<n>/apps/tokenpulse.png`
  (committed; used by the .deb, by `tokenpulse desktop install` and by the bundle);
- `tokenpulse.ico` (Windows: 16-256 px PNG entries) and `tokenpulse.icns` (macOS: 16-1024 px PNG entries),
  generated at build time into `build/icons/` (not committed).

Rendering uses PySide6's QSvgRenderer (in PySide6-Essentials) on an offscreen platform, so no display is
needed. The .ico and .icns containers are written here directly: both just wrap PNG data.

    python packaging/icons.py                  # hicolor PNGs + build/icons/tokenpulse.{ico,icns}
    python packaging/icons.py --platform-only  # only the .ico/.icns (what the PyInstaller spec needs)
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SVG = REPO / "resources" / "icons" / "tokenpulse.svg"
HICOLOR = REPO / "resources" / "icons" / "hicolor"
BUILD_ICONS = REPO / "build" / "icons"
ICON_NAME = "tokenpulse"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
# ICNS element types that hold PNG data, by pixel size (the @2x types share a size with a 1x one).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512),
              (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256), (b"ic14", 512))


def _qt_app() -> object:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(["tokenpulse-icons"])


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn into a transparent size x size square, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _qt_app()
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.convertToFormat(QImage.Format.Format_ARGB32).save(buf, "PNG"):
        raise RuntimeError(f"could not encode a {size}px PNG")
    buf.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico whose entries are PNG images (read by Windows Vista and later)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for s in sizes:
        data = pngs[s]
        dim = 0 if s >= 256 else s  # 0 means 256 in the directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs += data
    return header + entries + blobs


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns whose elements are PNG images (macOS 10.7 and later)."""
    body = b""
    for ostype, size in ICNS_TYPES:
        if size in pngs:
            body += ostype + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_hicolor(svg: Path = SVG, root: Path = HICOLOR) -> list[Path]:
    written = []
    for size in HICOLOR_SIZES:
        path = root / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_png(svg, size))
        written.append(path)
    return written


def write_platform_icons(svg: Path = SVG, out: Path = BUILD_ICONS) -> tuple[Path, Path]:
    """`tokenpulse.ico` and `tokenpulse.icns` in `out`."""
    sizes = set(ICO_SIZES) | {size for _, size in ICNS_TYPES}
    pngs = {size: render_png(svg, size) for size in sorted(sizes)}
    out.mkdir(parents=True, exist_ok=True)
    ico, icns = out / f"{ICON_NAME}.ico", out / f"{ICON_NAME}.icns"
    ico.write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    icns.write_bytes(icns_bytes(pngs))
    return ico, icns


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--svg", type=Path, default=SVG)
    ap.add_argument("--hicolor", type=Path, default=HICOLOR, help="hicolor theme root for the PNGs")
    ap.add_argument("--out", type=Path, default=BUILD_ICONS, help="folder for tokenpulse.ico / tokenpulse.icns")
    ap.add_argument("--platform-only", action="store_true", help="only write the .ico and .icns")
    args = ap.parse_args(argv)
    if not args.platform_only:
        for path in write_hicolor(args.svg, args.hicolor):
            print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    for path in write_platform_icons(args.svg, args.out):
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
