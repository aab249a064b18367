"""A real Linux desktop's parts for one test, on a private session bus: an SNI watcher and host, and dunst.

KDE, GNOME with its AppIndicator extension and every Wayland panel host tray icons as StatusNotifierItems over
D-Bus and show notifications through a server on the session bus. Debian ships stand-ins for each that run
under Xvfb: `status-notifier-watcher` (the registry), `gtk-sni-tray-standalone` (a host that draws the items
and their D-Bus menus), and `dunst` (a notification server with actions). Each is started here with the bus's
address, waited for over D-Bus, and stopped by pid afterwards. docs/desktop-testing.md §3 has the recipe.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from xserver import needs, until, x_server

HERE = Path(__file__).resolve().parent
SNI_TOOLS = ("dbus-daemon", "gdbus", "status-notifier-watcher", "gtk-sni-tray-standalone", "dunst", "dunstctl",
             "dbus-monitor")
WATCHER = ("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher")

# dunst's context menu asks a "dmenu" program which action to run: this one writes the menu it was offered to
# a file (so the test sees every action dunst lists) and picks the line named in TP_DUNST_PICK's file.
PICKER = """#!/bin/sh
menu=$(cat)
printf '%s\\n' "$menu" >> "$TP_DUNST_MENUS"
want=$(cat "$TP_DUNST_PICK" 2>/dev/null)
[ -n "$want" ] && printf '%s\\n' "$menu" | grep -F -- "#$want" | head -n 1
exit 0
"""

DUNSTRC = """[global]
    font = DejaVu Sans 10
    width = 420
    height = 300
    origin = top-right
    offset = 10x40
    frame_width = 2
    frame_color = "#8c8c8c"
    dmenu = {picker}
    browser = /bin/true
    show_indicators = yes
    icon_position = left
    max_icon_size = 32
    follow = none
    mouse_left_click = do_action, close_current
[urgency_low]
    background = "#222222"
    foreground = "#dddddd"
    timeout = 0
[urgency_normal]
    background = "#2b2b2b"
    foreground = "#ffffff"
    timeout = 0
[urgency_critical]
    background = "#900000"
    foreground = "#ffffff"
    timeout = 0
"""


def gdbus(env: dict[str, str], *args: str, timeout: float = 10) -> str:
    out = subprocess.run(["gdbus", "call", "--session", *args], env=env, capture_output=True, text=True,
                         timeout=timeout, check=False)
    return out.stdout if out.returncode == 0 else ""


def has_owner(env: dict[str, str], name: str) -> bool:
    return "true" in gdbus(env, "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                           "--method", "org.freedesktop.DBus.NameHasOwner", name)


def watcher_property(env: dict[str, str], prop: str) -> str:
    return gdbus(env, "--dest", WATCHER[0], "--object-path", WATCHER[1], "--method",
                 "org.freedesktop.DBus.Properties.Get", WATCHER[0], prop)


@contextmanager
def session_bus(tmp_path: Path) -> Iterator[str]:
    """A private dbus-daemon; yields its address. Nothing on the user's own bus is touched."""
    with open(tmp_path / "dbus.log", "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        assert address.startswith("unix:"), f"dbus-daemon printed {address!r}"
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


@contextmanager
def _started(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=out)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextmanager
def sni_desktop(x_env: dict[str, str], tmp_path: Path, *, notifications: bool = True) -> Iterator[dict[str, str]]:
    """On the X display of `x_env`: a session bus, the SNI watcher and host, and (unless told not) dunst.
    Yields the environment for the app, with DBUS_SESSION_BUS_ADDRESS and the dunst picker's files."""
    with ExitStack() as stack:
        address = stack.enter_context(session_bus(tmp_path))
        env = dict(x_env, DBUS_SESSION_BUS_ADDRESS=address, NO_AT_BRIDGE="1")
        log = tmp_path / "desktop.log"
        stack.enter_context(_started(["status-notifier-watcher"], env, log))
        assert until(lambda: has_owner(env, WATCHER[0]), 10), f"no SNI watcher: {_tail(log)}"
        stack.enter_context(_started(["gtk-sni-tray-standalone"], env, log))
        assert until(lambda: "true" in watcher_property(env, "IsStatusNotifierHostRegistered"), 10), \
            f"the SNI host did not register: {_tail(log)}"
        if notifications:
            picker = tmp_path / "dunst-pick.sh"
            picker.write_text(PICKER, encoding="utf-8")
            picker.chmod(0o755)
            rc = tmp_path / "dunstrc"
            rc.write_text(DUNSTRC.format(picker=picker), encoding="utf-8")
            env["TP_DUNST_MENUS"] = str(tmp_path / "dunst-menus.txt")
            env["TP_DUNST_PICK"] = str(tmp_path / "dunst-pick.txt")
            stack.enter_context(_started(["dunst", "-config", str(rc)], env, log))
            assert until(lambda: has_owner(env, "org.freedesktop.Notifications"), 10), f"no dunst: {_tail(log)}"
            monitor = tmp_path / "notify-calls.txt"
            env["TP_NOTIFY_LOG"] = str(monitor)
            stack.enter_context(_started(["dbus-monitor", "--address", address,
                                          "type='method_call',interface='org.freedesktop.Notifications',"
                                          "member='Notify'"], env, monitor))
            # attached once the bus took its name away: it became a monitor (BecomeMonitor), its first lines say so
            assert until(lambda: monitor.exists() and "member=NameLost" in monitor.read_text(errors="replace"), 10), \
                f"dbus-monitor did not attach: {_tail(monitor)}"
        yield env


@contextmanager
def tray_host(kind: str, tmp_path: Path, displays: tuple[int, int]) -> Iterator[dict[str, str]]:
    """An Xvfb with a tray host of `kind`: "xembed" (trayer, no session bus: reminders are Qt's balloons) or "sni"
    (the StatusNotifier watcher and host and dunst on a private bus). The environment says which in TP_TRAY_HOST,
    for the driver (sni_item.on_sni_host)."""
    with x_server(tmp_path, displays, tray=kind == "xembed") as x_env:
        if kind == "xembed":
            yield dict(x_env, TP_TRAY_HOST=kind)
            return
        with sni_desktop(x_env, tmp_path) as env:
            yield dict(env, TP_TRAY_HOST=kind)


HOSTS = [pytest.param("xembed", marks=needs("trayer")),
         pytest.param("sni", marks=needs(*SNI_TOOLS))]


def host_display(displays: tuple[int, int]) -> Callable[..., Iterator[dict[str, str]]]:
    """A test module's `x_display` fixture: each test runs on both hosts, on a display number in `displays`."""
    @pytest.fixture(params=HOSTS)
    def x_display(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
        with tray_host(request.param, tmp_path, displays) as env:
            yield env

    return x_display


def shot_name(env: dict[str, str], name: str) -> str:
    """A screenshot's file name on this host: the SNI host's carry the `sni-` prefix."""
    return f"sni-{name}" if env.get("TP_TRAY_HOST") == "sni" else name


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-1500:] if log.exists() else "(no log)"


def tools_missing() -> list[str]:
    import shutil

    return [t for t in SNI_TOOLS if shutil.which(t) is None]


def environ_without_desktop() -> dict[str, str]:
    """The test process's environment less whatever would reach the user's own desktop session."""
    drop = ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE",
            "XDG_CURRENT_DESKTOP")
    return {k: v for k, v in os.environ.items() if k not in drop}
