"""Two Syncthing instances on this machine, sharing one folder over loopback, and nothing else.

Syncthing must never reach beyond this machine, so it never runs with a default configuration, not even once:
each instance's configuration is generated first (`syncthing generate`, which only writes keys and a file),
then rewritten before the first start: listening on tcp://127.0.0.1:PORT only, global and local discovery off,
relays off, NAT traversal off, STUN off, usage reporting declined (urAccepted -1), crash reporting off,
automatic upgrades off (and STNOUPGRADE=1), no default folder (STNODEFAULTFOLDER=1), every URL it knows pointed
at a closed loopback port, and the two devices introduced to each other by id and loopback address. While they
run, `loopback_only()` reads their sockets from /proc and lists any that is not on loopback.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

FOLDER_ID = "tokenpulse-e2e"
NOWHERE = "http://127.0.0.1:9/"  # the discard port on loopback: closed, and never off this machine


def syncthing_or_skip() -> str:
    found = shutil.which("syncthing")
    if found is None:
        if os.environ.get("TP_REQUIRE_SYNCTHING") == "1":
            pytest.fail("TP_REQUIRE_SYNCTHING=1 but `syncthing` is not installed: .ci/run installs it with apt",
                        pytrace=False)
        pytest.skip("needs Syncthing (Debian: apt install syncthing); CI sets TP_REQUIRE_SYNCTHING=1 to require it")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    """A bare environment: no proxies, our own HOME, upgrades and the default folder off, no restarts."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "STNOUPGRADE": "1",
            "STNODEFAULTFOLDER": "1", "STNORESTART": "1", "LANG": "C.UTF-8"}


class Instance:
    def __init__(self, exe: str, home: Path, folder: Path, name: str) -> None:
        self.exe, self.home, self.folder, self.name = exe, home, folder, name
        self.port, self.gui_port = free_port(), free_port()
        self.api_key = f"tokenpulse-test-{name}-{os.getpid()}"
        self.proc: subprocess.Popen[bytes] | None = None
        home.mkdir(parents=True)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ".stfolder").mkdir(exist_ok=True)  # Syncthing's folder marker
        out = subprocess.run([exe, "generate", "--home", str(home), "--no-default-folder", "--skip-port-probing"],
                             env=_env(home), capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        self.config = home / "config.xml"
        self.id = ET.parse(self.config).getroot().find("device").get("id")  # type: ignore[union-attr]
        self._lock_down()

    def _lock_down(self) -> None:
        tree = ET.parse(self.config)
        root = tree.getroot()
        options = root.find("options")
        assert options is not None
        for tag in ("listenAddress", "globalAnnounceServer", "stunServer"):
            for element in options.findall(tag):
                options.remove(element)
        ET.SubElement(options, "listenAddress").text = f"tcp://127.0.0.1:{self.port}"
        ET.SubElement(options, "stunServer").text = "127.0.0.1:9"
        values = {"globalAnnounceEnabled": "false", "localAnnounceEnabled": "false", "relaysEnabled": "false",
                  "natEnabled": "false", "urAccepted": "-1", "urSeen": "3", "urURL": NOWHERE,
                  "autoUpgradeIntervalH": "0", "upgradeToPreReleases": "false", "releasesURL": NOWHERE,
                  "crashReportingEnabled": "false", "crashReportingURL": NOWHERE, "startBrowser": "false",
                  "stunKeepaliveStartS": "0", "announceLANAddresses": "false", "reconnectionIntervalS": "5",
                  "restartOnWakeup": "false"}
        for tag, value in values.items():
            element = options.find(tag)
            if element is None:
                element = ET.SubElement(options, tag)
            element.text = value
        gui = root.find("gui")
        assert gui is not None
        gui.find("address").text = f"127.0.0.1:{self.gui_port}"  # type: ignore[union-attr]
        gui.find("apikey").text = self.api_key  # type: ignore[union-attr]
        for device in root.findall("device"):
            device.find("address").text = f"tcp://127.0.0.1:{self.port}"  # type: ignore[union-attr]
        defaults = root.find("defaults/device/address")
        if defaults is not None:
            defaults.text = "tcp://127.0.0.1:9"  # a device added later would not be looked up anywhere either
        tree.write(self.config)

    def introduce(self, other: Instance) -> None:
        """Know `other` by id at its loopback address, and share the folder with it."""
        tree = ET.parse(self.config)
        root = tree.getroot()
        peer = ET.Element("device", {"id": other.id, "name": other.name, "compression": "metadata",
                                     "introducer": "false", "skipIntroductionRemovals": "false",
                                     "introducedBy": ""})
        ET.SubElement(peer, "address").text = f"tcp://127.0.0.1:{other.port}"
        ET.SubElement(peer, "paused").text = "false"
        ET.SubElement(peer, "autoAcceptFolders").text = "false"
        root.insert(1, peer)
        folder = ET.Element("folder", {"id": FOLDER_ID, "label": FOLDER_ID, "path": str(self.folder),
                                       "type": "sendreceive", "rescanIntervalS": "60", "fsWatcherEnabled": "true",
                                       "fsWatcherDelayS": "1", "ignorePerms": "false", "autoNormalize": "true"})
        ET.SubElement(folder, "filesystemType").text = "basic"
        for device_id in (self.id, other.id):
            ET.SubElement(folder, "device", {"id": device_id, "introducedBy": ""})
        ET.SubElement(folder, "markerName").text = ".stfolder"
        root.insert(0, folder)
        tree.write(self.config)

    def settings_problems(self) -> list[str]:
        """What in the configuration on disk would let this instance reach beyond loopback (empty: nothing)."""
        root = ET.parse(self.config).getroot()
        options = root.find("options")
        assert options is not None
        problems = []
        want = {"globalAnnounceEnabled": "false", "localAnnounceEnabled": "false", "relaysEnabled": "false",
                "natEnabled": "false", "urAccepted": "-1", "crashReportingEnabled": "false",
                "autoUpgradeIntervalH": "0", "stunKeepaliveStartS": "0"}
        for tag, value in want.items():
            if options.findtext(tag) != value:
                problems.append(f"{tag}={options.findtext(tag)}")
        listen = [e.text for e in options.findall("listenAddress")]
        if listen != [f"tcp://127.0.0.1:{self.port}"]:
            problems.append(f"listen {listen}")
        addresses = [e.text or "" for e in root.findall("device/address")]
        if any(not a.startswith("tcp://127.0.0.1:") for a in addresses):
            problems.append(f"device addresses {addresses}")
        if not (root.findtext("gui/address") or "").startswith("127.0.0.1:"):
            problems.append("gui address")
        if [f.get("id") for f in root.findall("folder")] != [FOLDER_ID]:
            problems.append("folders")
        return problems

    def start(self) -> None:
        assert not self.settings_problems(), self.settings_problems()  # never started otherwise
        log = open(self.home / "syncthing.log", "wb")  # noqa: SIM115  (closed with the process)
        self.proc = subprocess.Popen(
            [self.exe, "serve", "--home", str(self.home), "--no-browser", "--no-restart", "--no-upgrade",
             "--no-default-folder"], env=_env(self.home), stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)

    def rest(self, path: str) -> object:
        request = urllib.request.Request(f"http://127.0.0.1:{self.gui_port}{path}",
                                         headers={"X-API-Key": self.api_key})
        with urllib.request.urlopen(request, timeout=5) as reply:  # loopback only
            return json.loads(reply.read())

    def connected_to(self, other: Instance) -> bool:
        try:
            status = self.rest("/rest/system/connections")
        except OSError:
            return False
        return bool(status["connections"].get(other.id, {}).get("connected"))  # type: ignore[index]

    def sockets(self) -> tuple[list[str], int]:
        """(this instance's inet sockets that are not on loopback at both ends, how many it has), over its monitor
        process and the Syncthing that runs under it."""
        assert self.proc is not None
        return off_loopback([self.proc.pid, *descendants(self.proc.pid)])

    def loopback_only(self) -> list[str]:
        return self.sockets()[0]

    def log(self) -> str:
        return (self.home / "syncthing.log").read_text(errors="replace")


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (Syncthing's monitor starts the real Syncthing as its child)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def off_loopback(pids: list[int]) -> tuple[list[str], int]:
    """(the inet sockets of `pids` not on loopback, how many inet sockets they have)."""
    inodes = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    bad, seen = [], 0
    for table in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6"):
        try:
            lines = Path(f"/proc/{pids[0]}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[9] not in inodes:
                continue
            seen += 1
            local, remote = _address(cols[1]), _address(cols[2])
            if not _loopback(local, listening=False) or not _loopback(remote, listening=True):
                bad.append(f"{table} {local} -> {remote}")
    return bad, seen


def _address(text: str) -> str:
    host, port = text.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        ip = socket.inet_ntop(socket.AF_INET, raw[::-1])
    else:  # four little-endian 32-bit words
        ip = socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))
    return f"{ip}:{int(port, 16)}"


def _loopback(address: str, *, listening: bool) -> bool:
    ip = address.rsplit(":", 1)[0]
    if listening and ip in ("0.0.0.0", "::"):
        return True  # the far end of a socket that is not connected
    return ip.startswith("127.") or ip == "::1" or ip.startswith("::ffff:127.")


def wait_for(what: str, check, timeout: float, instances: list[Instance]) -> None:  # type: ignore[no-untyped-def]
    """Poll `check()` until true; fail with both instances' logs otherwise. Sockets are checked on every poll."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for inst in instances:
            assert inst.proc is not None and inst.proc.poll() is None, f"{inst.name} stopped:\n{inst.log()}"
            bad = inst.loopback_only()
            assert not bad, f"{inst.name} has sockets beyond loopback: {bad}"
        if check():
            return
        time.sleep(0.25)
    logs = "\n".join(f"--- {i.name}\n{i.log()[-4000:]}" for i in instances)
    pytest.fail(f"not within {timeout:.0f} s: {what}\n{logs}")
