#!/usr/bin/env bash
# CI packaging job: build the wheel + sdist, the PyInstaller bundle and the .deb, then smoke-test the bundle
# (offscreen, and under Xvfb with a tray) and the .deb (install with dpkg, run, remove).
#   bash packaging/ci_build.sh            # as root or with sudo; Debian 12 / Ubuntu 22.04+
# env: SKIP_APT=1 (system packages already there), TP_BUILD_VENV (default build/ci-venv), PYTHON (python3)
# Outputs: dist/tokenpulse-<v>.tar.gz, dist/tokenpulse-<v>-cp3XX-cp3XX-linux_x86_64.whl (with the compiled
#          accelerator), dist/tokenpulse/,
#          dist/tokenpulse-<v>-linux-x86_64.tar.gz, dist/tokenpulse_<v>_amd64.deb; logs in build/.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
T0=$SECONDS
stamp() { echo "== $1 ($((SECONDS - T0)) s since start)"; }

# System packages: the build (venv, objdump for PyInstaller, dpkg-deb), the validators, the Qt runtime
# libraries and what the .deb depends on, and Xvfb + trayer for the tray check.
APT_PACKAGES=(
    python3-venv python3-dev gcc binutils dpkg desktop-file-utils appstream
    xvfb xauth x11-utils xdotool trayer imagemagick
    libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3
    libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
    libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxcb-xfixes0 libxcb-sync1 libxcb-shm0 libxcb-util1
    libwayland-client0 libwayland-cursor0 libwayland-egl1 fontconfig fonts-dejavu-core
)
if [ "${SKIP_APT:-0}" != 1 ]; then
    stamp "apt-get install"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
fi

stamp "build venv"
VENV=${TP_BUILD_VENV:-build/ci-venv}
"${PYTHON:-python3}" -m venv "$VENV"
# the app's dependencies (from pyproject.toml), PyInstaller and pypa/build
"$VENV/bin/python" -m pip install -q . "pyinstaller>=6.10,<7" "build>=1.2,<2"
PY="$VENV/bin/python"

stamp "wheel + sdist";  "$PY" packaging/build.py wheel
stamp "bundle";         "$PY" packaging/build.py bundle
# zstd: ~5 s instead of 1-2 min for xz on 2 cores; a release build may keep the default xz:6 (55 vs 67 MB)
stamp "deb";            "$PY" packaging/build.py deb --deb-compress "${TP_DEB_COMPRESS:-zstd:9}"
stamp "bundle test";    PY="$PY" REQUIRE_XVFB=1 bash packaging/test_bundle.sh dist/tokenpulse
stamp "deb test";       bash packaging/test_deb.sh

stamp "artefacts"
ls -l dist/ | sed 's/^/  /'
du -sh dist/tokenpulse | sed 's/^/  bundle: /'
echo "packaging CI passed in $((SECONDS - T0)) s"
