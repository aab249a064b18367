"""A private Xvfb (and, for tray tests, a trayer panel) for one real-screen test, stopped by pid afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TRAYER = ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "200",
          "--heighttype", "pixel", "--height", "32", "--SetDockType", "true", "--transparent", "false",
          "--tint", "0x333333"]


def needs(*programs: str) -> pytest.MarkDecorator:
    """Skip when the programs are missing, except in CI (TP_REQUIRE_XVFB=1, set by .ci/run): there the
    real-screen tests must run, so a missing program fails the collection instead of hiding the test."""
    missing = [p for p in programs if not shutil.which(p)]
    if missing and os.environ.get("TP_REQUIRE_XVFB") == "1":
        pytest.fail(f"TP_REQUIRE_XVFB=1 but {', '.join(missing)} missing: .ci/run installs them with apt",
                    pytrace=False)
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(programs)} (apt-get install xvfb trayer;"
                                                     " see .ci/run)")


def free_display(first: int, last: int) -> str:
    """An X display number in [first, last] with neither a lock nor a socket (tests may run side by side)."""
    for n in range(first, last + 1):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return f":{n}"
    raise RuntimeError(f"no free X display number between :{first} and :{last}")


def until(check: Callable[[], bool], timeout: float) -> bool:
    """Poll an outside program: an X server offers no signal to wait on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def _ok(command: list[str], env: dict[str, str]) -> Callable[[], bool]:
    return lambda: subprocess.run(command, env=env, capture_output=True, check=False).returncode == 0


@contextmanager
def x_server(tmp_path: Path, displays: tuple[int, int], *, tray: bool) -> Iterator[dict[str, str]]:
    """The environment of a 1280×800 Xvfb (plus trayer when `tray`), both stopped afterwards."""
    for tool in ("xdotool", "xdpyinfo"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is missing: install xdotool and x11-utils with Xvfb (see .ci/run)", pytrace=False)
    display = free_display(*displays)
    # nothing of the user's own desktop: its session bus would give Qt an SNI tray and the tests notifications
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM",
                                                          "DBUS_SESSION_BUS_ADDRESS", "XDG_CURRENT_DESKTOP",
                                                          "XDG_SESSION_TYPE")}
    env.update({"DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "HOME": str(tmp_path / "home")})
    procs: list[subprocess.Popen[bytes]] = []
    with open(tmp_path / "x.log", "wb") as log:
        try:
            procs.append(subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp",
                                           "-noreset"], stdout=log, stderr=log))
            assert until(_ok(["xdpyinfo"], env), 10), "Xvfb did not come up"
            if tray:
                procs.append(subprocess.Popen(TRAYER, env=env, stdout=log, stderr=log))
                assert until(_ok(["xdotool", "search", "--class", "trayer"], env), 10), \
                    f"trayer did not come up: {(tmp_path / 'x.log').read_text(errors='replace')[-2000:]}"
            yield env
        finally:
            for p in reversed(procs):
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
