"""Can the tray app open a window here? Checked before Qt starts, because Qt aborts (core dump) when it cannot.

Qt picks a platform plugin (xcb for X11, wayland) and calls abort() when none loads or none reaches its
display server; its own message then blames `libxcb-cursor0` even when another library is missing. This
module asks the same questions first, in a few milliseconds and without importing Qt: is there a display
to talk to, and does the plugin load (dlopen names the exact library that is missing)? The answer is one
line naming what is missing and the command that installs it on Debian/Ubuntu and on Fedora. Qt-free.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# The system libraries Qt's xcb and wayland plugins link to (ldd of the PySide6 wheel's plugins), with the
# package that ships each: (Debian/Ubuntu, Fedora).
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}
PLUGIN_FILES = {"xcb": "libqxcb.so", "wayland": "libqwayland.so", "wayland-egl": "libqwayland.so"}
HEADLESS = {"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}
# One line for the whole stack, for the README and for a missing library we have no entry for.
DEBIAN_ALL = ("libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxkbcommon-x11-0"
              " libegl1 libgl1 libfontconfig1 libdbus-1-3")
FEDORA_ALL = ("xcb-util-cursor xcb-util-wm xcb-util-keysyms xcb-util-image xcb-util-renderutil libxkbcommon-x11"
              " libglvnd-egl libglvnd-glx fontconfig dbus-libs")
_MISSING = re.compile(r"(lib[\w.+-]+\.so(?:\.\d+)*)\s*:\s*cannot open shared object file")

Loader = Callable[[str], object]  # dlopen: returns a handle or raises OSError with the loader's message


def platforms_qt_will_try(env: Mapping[str, str]) -> list[str]:
    """The platform plugins Qt tries, in order: QT_QPA_PLATFORM's list, else what the session asks for."""
    chosen = [p.split(":", 1)[0].strip() for p in env.get("QT_QPA_PLATFORM", "").split(";") if p.strip()]
    if chosen:
        return chosen
    if env.get("XDG_SESSION_TYPE") == "wayland" or (env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")):
        return ["wayland", "xcb"]
    return ["xcb"]


def problem(env: Mapping[str, str] | None = None, *, load: Loader = ctypes.CDLL,
            plugins: Path | None = None, x_reachable: Callable[[str], bool] | None = None) -> str | None:
    """None when some platform Qt will try can start; else one line: what is missing and how to install it."""
    env = os.environ if env is None else env
    reasons: list[str] = []
    for name in platforms_qt_will_try(env):
        if name in HEADLESS:
            return None
        if name not in PLUGIN_FILES:
            return None  # a platform we do not know: let Qt try it
        display = _display_problem(name, env, x_reachable or (lambda d: _x_reachable(d, load)))
        if display is not None:
            reasons.append(display)
            continue
        library = _plugin_problem(name, load, plugins)
        if library is None:
            return None
        reasons.append(library)
    if not reasons:
        return None
    if all(r.startswith("no display") for r in reasons):
        return ("tokenpulse: cannot open a window: no display (neither DISPLAY nor WAYLAND_DISPLAY is set). Start"
                " it from a desktop session; the commands work anywhere: tokenpulse --help")
    return "tokenpulse: cannot open a window: " + next(r for r in reasons if not r.startswith("no display"))


def _display_problem(name: str, env: Mapping[str, str], x_reachable: Callable[[str], bool]) -> str | None:
    if name == "xcb":
        display = env.get("DISPLAY", "")
        if not display:
            return "no display"
        if not x_reachable(display):
            return f"the X display {display} (DISPLAY) does not answer"
        return None
    socket = env.get("WAYLAND_DISPLAY", "")
    if not socket:
        return "no display"
    path = Path(socket) if os.path.isabs(socket) else Path(env.get("XDG_RUNTIME_DIR", "/nonexistent"), socket)
    if not path.exists():
        return f"the Wayland display {socket} (WAYLAND_DISPLAY) has no socket at {path}"
    return None


def _x_reachable(display: str, load: Loader) -> bool:
    """Connect with libxcb, as Qt would; without libxcb the plugin check below names it."""
    try:
        xcb = load("libxcb.so.1")
    except OSError:
        return True
    connect = xcb.xcb_connect  # type: ignore[attr-defined]
    connect.restype = ctypes.c_void_p
    connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    conn = connect(display.encode(), None)
    if not conn:
        return False
    has_error = xcb.xcb_connection_has_error  # type: ignore[attr-defined]
    has_error.restype, has_error.argtypes = ctypes.c_int, [ctypes.c_void_p]
    disconnect = xcb.xcb_disconnect  # type: ignore[attr-defined]
    disconnect.restype, disconnect.argtypes = None, [ctypes.c_void_p]
    failed = has_error(conn) != 0
    disconnect(conn)
    return not failed


def plugin_dir() -> Path | None:
    """Where PySide6 keeps Qt's platform plugins (a wheel, or a PyInstaller bundle's copy), without importing it."""
    roots = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle) / "PySide6")
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        roots.extend(Path(p) for p in spec.submodule_search_locations)
    for root in roots:
        for candidate in (root / "Qt" / "plugins" / "platforms", root / "plugins" / "platforms"):
            if candidate.is_dir():
                return candidate
    return None


def _plugin_problem(name: str, load: Loader, plugins: Path | None) -> str | None:
    folder = plugins or plugin_dir()
    if folder is None:
        return None  # nothing to check against: Qt will say what it finds
    plugin = folder / PLUGIN_FILES[name]
    if not plugin.is_file():
        return f"Qt's {name} platform plugin is missing ({plugin}); reinstall tokenpulse"
    try:
        load(str(plugin))
        return None
    except OSError as exc:
        first = str(exc)
    missing = [lib for lib in PACKAGES if not _loads(lib, load)]
    found = _MISSING.search(first)
    if found and found.group(1) not in missing:
        missing.insert(0, found.group(1))
    if not missing:
        return f"Qt's {name} platform plugin does not load: {first.strip()[:300]}"
    return (f"Qt's {name} platform plugin needs {', '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} missing. {install_line(missing)}")


def _loads(lib: str, load: Loader) -> bool:
    try:
        load(lib)
        return True
    except OSError:
        return False


def install_line(missing: list[str]) -> str:
    """"Install: sudo apt install A B (Debian/Ubuntu) or sudo dnf install C D (Fedora)"."""
    debian = list(dict.fromkeys(PACKAGES[m][0] for m in missing if m in PACKAGES)) or DEBIAN_ALL.split()
    fedora = list(dict.fromkeys(PACKAGES[m][1] for m in missing if m in PACKAGES)) or FEDORA_ALL.split()
    return (f"Install: sudo apt install {' '.join(debian)} (Debian/Ubuntu)"
            f" or sudo dnf install {' '.join(fedora)} (Fedora)")
