"""The app icon: hicolor PNGs rendered from the one SVG, at every size, current; .ico/.icns containers."""

from __future__ import annotations

import importlib.util
import os
import struct
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SVG = REPO / "resources" / "icons" / "tokenpulse.svg"
HICOLOR = REPO / "resources" / "icons" / "hicolor"


def _icons_module():  # packaging/ is not a package: load packaging/icons.py by path
    spec = importlib.util.spec_from_file_location("tp_packaging_icons", REPO / "packaging" / "icons.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


icons = _icons_module()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_hicolor_size_is_committed() -> None:
    assert SVG.is_file()
    for size in icons.HICOLOR_SIZES:
        png = HICOLOR / f"{size}x{size}" / "apps" / "tokenpulse.png"
        assert png.is_file(), f"{png} missing: run python packaging/icons.py"
        assert _png_size(png.read_bytes()) == (size, size)
    assert icons.HICOLOR_SIZES[0] == 16 and icons.HICOLOR_SIZES[-1] == 512


def test_ico_container() -> None:
    pngs = {16: b"\x89PNG-16", 256: b"\x89PNG-256"}
    data = icons.ico_bytes(pngs)
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, 2)
    entries = [struct.unpack("<BBBBHHII", data[6 + 16 * i: 22 + 16 * i]) for i in range(count)]
    assert [e[0] for e in entries] == [16, 0]  # 0 stands for 256
    for (_w, _h, _c, _r, planes, bpp, size, offset), blob in zip(entries, pngs.values()):
        assert (planes, bpp) == (1, 32)
        assert data[offset:offset + size] == blob


def test_icns_container() -> None:
    pngs = {16: b"a" * 3, 32: b"b" * 5, 1024: b"c" * 7}
    data = icons.icns_bytes(pngs)
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    seen, pos = {}, 8
    while pos < len(data):
        ostype, length = data[pos:pos + 4], struct.unpack(">I", data[pos + 4:pos + 8])[0]
        seen[ostype] = data[pos + 8:pos + length]
        pos += length
    assert seen == {b"icp4": b"aaa", b"icp5": b"bbbbb", b"ic10": b"ccccccc", b"ic11": b"bbbbb"}


# Rendering needs Qt: done in a child process, so no QGuiApplication is left in the pytest process (the GUI
# tests need a QApplication there).
RENDER_CHECK = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import icons
from PySide6.QtGui import QImage
out = Path(sys.argv[2])
ico, icns = icons.write_platform_icons(icons.SVG, out)
worst = 0
for size in icons.HICOLOR_SIZES:
    fresh = QImage.fromData(icons.render_png(icons.SVG, size))
    committed = QImage(str(icons.HICOLOR / f"{size}x{size}" / "apps" / "tokenpulse.png"))
    assert fresh.size() == committed.size(), size
    a, b = fresh.convertToFormat(QImage.Format.Format_RGBA8888), committed.convertToFormat(QImage.Format.Format_RGBA8888)
    da, db = bytes(a.constBits()), bytes(b.constBits())
    worst = max(worst, sum(abs(x - y) for x, y in zip(da, db)) / len(da))
print(worst, ico.stat().st_size, icns.stat().st_size)
"""


def test_committed_pngs_match_the_svg_and_platform_icons_build(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", RENDER_CHECK, str(REPO / "packaging"), str(tmp_path)],
                         check=False, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    worst, ico_size, icns_size = out.stdout.split()
    # a mean difference per channel byte; re-rendering with another Qt version moves a few edge pixels only
    assert float(worst) < 1.0, "the hicolor PNGs are stale: run python packaging/icons.py"
    assert int(ico_size) > 1000 and int(icns_size) > 10000
