"""What a StatusNotifier desktop sees of the app, asked from inside a real-screen driver while its Qt loop runs.

The drivers' D-Bus side of the SNI host (desktop_session.py starts the host): the app's item as the watcher lists
it, its properties (ToolTip, IconPixmap), its exported com.canonical.dbusmenu, Activate and menu events as a host
sends them, the icon the host drew, and what dunst was sent and shows. Every outside program runs through `run`,
which keeps the Qt loop turning: the app must answer the calls made to it.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from qt_pump import settle, wait_until

ITEM = "/StatusNotifierItem"
SNI = "org.kde.StatusNotifierItem"
WATCHER = ["--dest", "org.kde.StatusNotifierWatcher", "--object-path", "/StatusNotifierWatcher"]
LABEL = re.compile(r"\((\d+), \{([^{}]*)\}")
LABEL_TEXT = re.compile(r"""'label': <(['"])(.*?)\1>""")


def on_sni_host() -> bool:
    """Whether desktop_session.tray_host started this driver on the StatusNotifier host (else on trayer)."""
    return os.environ.get("TP_TRAY_HOST") == "sni"


def run(*command: str, timeout: float = 15) -> str:
    """An outside program (gdbus, dunstctl, xdotool) run while the Qt loop keeps turning: the app answers it.
    Its output goes to a file: a pipe would fill up (an item's icon pixmaps are ~400 kB of text) and stall it."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as sink:
        proc = subprocess.Popen(list(command), stdout=sink, stderr=subprocess.DEVNULL)
        wait_until(lambda: proc.poll() is not None, timeout)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        sink.seek(0)
        return sink.read() if proc.returncode == 0 else ""


def gdbus(*args: str) -> str:
    return run("gdbus", "call", "--session", *args)


def menu_labels(layout: str) -> list[tuple[int, str]]:
    """(id, label) of every entry in a com.canonical.dbusmenu GetLayout answer, in order (submenus inline)."""
    out = []
    for match in LABEL.finditer(layout):
        label = LABEL_TEXT.search(match.group(2))
        if label:
            out.append((int(match.group(1)), label.group(2)))
    return out


def gvariant_string(text: str) -> str:
    """A string as gdbus prints it ('…', or "…" when it holds a quote), back to its text."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


class Item:
    """The app's StatusNotifierItem on the session bus, found in the watcher's list by this process's pid."""

    def __init__(self) -> None:
        self.name = ""
        self.listed: list[str] = []

    def wait_registered(self, timeout: float = 10) -> bool:
        return wait_until(self._find, timeout)

    def _find(self) -> bool:
        # Qt's tray has a bus connection of its own; the watcher lists it by unique name: ours is the one whose
        # process is this one
        answer = gdbus(*WATCHER, "--method", "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierWatcher",
                       "RegisteredStatusNotifierItems")
        self.listed = re.findall(r"'([^']+)'", answer)
        for item in self.listed:
            name = item.split("/", 1)[0]
            pid = gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus", "--method",
                        "org.freedesktop.DBus.GetConnectionUnixProcessID", name)
            if re.search(rf"\b{os.getpid()}\b", pid):
                self.name = name
        return bool(self.name)

    def properties(self) -> str:
        """GetAll of the item's interface, as gdbus prints it (the pixmaps included)."""
        return gdbus("--dest", self.name, "--object-path", ITEM, "--method", "org.freedesktop.DBus.Properties.GetAll",
                     SNI) if self.name else ""

    def tooltip(self) -> tuple[str, str]:
        """(title, text) of the ToolTip property, as a panel shows it on hover."""
        props = self.properties()
        string = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
        match = re.search(rf"'ToolTip': <\({string}, (?:@a\(iiay\) )?\[.*?\], {string}, {string}\)>", props, re.S)
        return (gvariant_string(match.group(2)), gvariant_string(match.group(3))) if match else ("", "")

    def icon_sizes(self) -> list[int]:
        """The widths of the IconPixmap images offered to the panel."""
        return sorted({int(w) for w, _h in re.findall(r"\((\d+), (\d+), \[(?:byte )?0x", self.properties())})

    def menu_path(self) -> str:
        match = re.search(r"'Menu': <objectpath '([^']+)'>", self.properties())
        return match.group(1) if match else ""

    def menu(self) -> list[tuple[int, str]]:
        """The exported menu's (id, label) entries as a host reads them: AboutToShow (Qt rebuilds the menu from
        the latest snapshot then), then GetLayout."""
        path = self.menu_path()
        if not path:
            return []
        gdbus("--dest", self.name, "--object-path", path, "--method", "com.canonical.dbusmenu.AboutToShow", "--", "0")
        settle(0.3)
        return menu_labels(gdbus("--dest", self.name, "--object-path", path, "--method",
                                 "com.canonical.dbusmenu.GetLayout", "--", "0", "-1", "@as []"))

    def menu_texts(self) -> list[str]:
        return [label for _id, label in self.menu()]

    def click_menu(self, label: str) -> bool:
        """A host's click on the exported menu's entry `label`; whether there was one."""
        entry = next((i for i, text in self.menu() if text == label), None)
        if entry is None:
            return False
        gdbus("--dest", self.name, "--object-path", self.menu_path(), "--method", "com.canonical.dbusmenu.Event",
              str(entry), "clicked", "<0>", "0")
        return True

    def activate(self, x: int = 200, y: int = 20) -> None:
        """What a host sends on a left click."""
        gdbus("--dest", self.name, "--object-path", ITEM, "--method", f"{SNI}.Activate", str(x), str(y))


def host_icon() -> tuple[int, int] | None:
    """Where gtk-sni-tray-standalone drew our icon: the span of pixels unlike its background in the strip at the
    top left (the only item it hosts is ours)."""
    img = QGuiApplication.primaryScreen().grabWindow(0).copy(QRect(0, 0, 300, 36)).toImage()
    bg = img.pixel(img.width() - 1, img.height() // 2)
    xs = [x for x in range(img.width()) for y in range(2, img.height() - 2) if img.pixel(x, y) != bg]
    ys = [y for x in range(img.width()) for y in range(2, img.height() - 2) if img.pixel(x, y) != bg]
    if not xs:
        return None
    return (min(xs) + max(xs)) // 2, (min(ys) + max(ys)) // 2


def click_host_icon(button: int) -> tuple[int, int] | None:
    """A real click (1 left, 3 right) on the icon in the host; where it was, None when none was drawn."""
    icon = host_icon()
    if icon is not None:
        run("xdotool", "mousemove", str(icon[0]), str(icon[1]))
        run("xdotool", "click", str(button))
    return icon


def hover_host_icon(timeout: float = 8) -> bool:
    """The pointer onto the host's icon until the host draws the item's ToolTip under the strip (the screen is
    black there otherwise); whether it did."""
    icon = host_icon()
    if icon is None:
        return False
    pointer_away()
    run("xdotool", "mousemove", str(icon[0]), str(icon[1]))

    def drawn() -> bool:
        img = QGuiApplication.primaryScreen().grabWindow(0).copy(QRect(0, 40, 600, 160)).toImage()
        return any(img.pixelColor(x, y).lightness() > 60 for x in range(0, 600, 6) for y in range(0, 160, 6))

    return wait_until(drawn, timeout)


def pointer_away() -> None:
    """The pointer off the host's strip, so that its tooltip leaves the screenshots."""
    run("xdotool", "mousemove", "640", "790")


# --- dunst, the notification server ---------------------------------------------------------------------------

def dunst_count() -> int:
    try:
        return int(run("dunstctl", "count", "displayed").strip() or -1)
    except ValueError:
        return -1


def pick_in_dunst(label: str) -> list[str]:
    """Open dunst's context menu on the newest notification; the picker chooses `label` ("" = none).
    Returns the menu dunst offered (one line per action)."""
    Path(os.environ["TP_DUNST_PICK"]).write_text(label, encoding="utf-8")
    menus = Path(os.environ["TP_DUNST_MENUS"])
    before = menus.read_text(encoding="utf-8") if menus.exists() else ""
    run("dunstctl", "context")
    wait_until(lambda: menus.exists() and menus.read_text(encoding="utf-8") != before, 5)
    return menus.read_text(encoding="utf-8")[len(before):].splitlines() if menus.exists() else []


def click_notification() -> bool:
    """A real left click on dunst's window (its default action, as a click on Qt's balloon); whether it was
    found."""
    window = run("xdotool", "search", "--onlyvisible", "--class", "Dunst").split()
    if not window:
        return False
    geometry = run("xdotool", "getwindowgeometry", "--shell", window[-1])
    g = dict(line.split("=", 1) for line in geometry.split() if "=" in line)
    run("xdotool", "mousemove", str(int(g["X"]) + int(g["WIDTH"]) // 2), str(int(g["Y"]) + int(g["HEIGHT"]) // 2))
    run("xdotool", "click", "1")
    return True


def notify_calls() -> list[dict[str, object]]:
    """The Notify calls dbus-monitor saw: app, replaces_id, summary, body, actions (labels), urgency, category."""
    text = Path(os.environ["TP_NOTIFY_LOG"]).read_text(encoding="utf-8", errors="replace")
    calls = []
    for block in text.split("method call")[1:]:
        if "member=Notify" not in block:
            continue
        strings = re.findall(r'^\s+string "(.*)"$', block, re.M)
        replaces = re.search(r"^\s+uint32 (\d+)$", block, re.M)
        urgency = re.search(r'string "urgency"\s+variant\s+byte (\d+)', block)
        category = re.search(r'string "category"\s+variant\s+string "([^"]*)"', block)
        actions = re.search(r"array \[\n(.*?)\n\s+\]\n\s+array \[", block, re.S)
        pairs = re.findall(r'string "(.*)"', actions.group(1)) if actions else []
        calls.append({"app": strings[0] if strings else None, "replaces_id": int(replaces.group(1)) if replaces else None,
                      "summary": strings[2] if len(strings) > 2 else None,
                      "body": strings[3] if len(strings) > 3 else None, "strings": strings,
                      "actions": pairs[1::2], "urgency": int(urgency.group(1)) if urgency else None,
                      "category": category.group(1) if category else None})
    return calls


def ours(calls: list[dict[str, object]]) -> list[dict[str, object]]:
    return [c for c in calls if c["app"] == "tokenpulse"]
