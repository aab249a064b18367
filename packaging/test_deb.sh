#!/usr/bin/env bash
# Install the .deb with dpkg, smoke-test the installed app offscreen, then remove it and check nothing is
# left. Needs root (or sudo) and a machine where tokenpulse is not installed as a package already.
#   packaging/test_deb.sh [dist/tokenpulse_<version>_<arch>.deb]
# Missing Depends make `dpkg -i` fail; install them first (packaging/ci_build.sh does), or run
# `apt-get install -f` by hand. Validators run when present: desktop-file-validate, appstreamcli.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' app/tokenpulse/__init__.py)
DEB=$(realpath "${1:-$(ls dist/tokenpulse_"$VERSION"_*.deb | head -1)}")
APP_ID=io.github.tokenpulse.TokenPulse
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*" >&2; exit 1; }
[ -f "$DEB" ] || fail "no .deb at $DEB (python packaging/build.py deb)"
if dpkg-query -W -f '${Status}' tokenpulse 2>/dev/null | grep -q "ok installed"; then
    fail "tokenpulse is already installed as a package here; remove it first (dpkg -r tokenpulse)"
fi

TMP=$(mktemp -d); installed=""
cleanup() {
    if [ -n "$installed" ]; then $SUDO dpkg -r tokenpulse >/dev/null 2>&1 || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# 1. install
$SUDO dpkg -i "$DEB" >"$TMP/dpkg-i.log" 2>&1 || { cat "$TMP/dpkg-i.log" >&2; installed=1; fail "dpkg -i"; }
installed=1
dpkg-query -W -f '${Status}\n' tokenpulse | grep -q "install ok installed" || fail "package not configured"
ok "dpkg -i $(basename "$DEB")"
EXPECTED=(/opt/tokenpulse/tokenpulse /usr/bin/tokenpulse
          /usr/share/applications/$APP_ID.desktop /usr/share/metainfo/$APP_ID.metainfo.xml
          /usr/share/icons/hicolor/48x48/apps/tokenpulse.png /usr/share/icons/hicolor/scalable/apps/tokenpulse.svg
          /usr/share/doc/tokenpulse/copyright)
for f in "${EXPECTED[@]}"; do [ -e "$f" ] || fail "missing after install: $f"; done
[ "$(readlink /usr/bin/tokenpulse)" = /opt/tokenpulse/tokenpulse ] || fail "/usr/bin/tokenpulse is not the symlink"
ok "files in place"
dpkg -L tokenpulse > "$TMP/files.txt"

# 2. the installed app, offscreen, through the /usr/bin symlink, with an empty home and data folder
export QT_QPA_PLATFORM=offscreen
CLEAN=(env -u CLAUDE_CONFIG_DIR -u CODEX_HOME -u TOKENPULSE_HOME HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config"
       XDG_DATA_HOME="$TMP/home/.local/share")
mkdir -p "$TMP/home"
out=$("${CLEAN[@]}" tokenpulse --version); [ "$out" = "tokenpulse $VERSION" ] || fail "--version printed '$out'"
[ "$(command -v tokenpulse)" = /usr/bin/tokenpulse ] || fail "tokenpulse on PATH is $(command -v tokenpulse)"
ok "tokenpulse --version: $out"
"${CLEAN[@]}" TOKENPULSE_HOME="$TMP/data" tokenpulse scan > "$TMP/scan.txt" 2>&1 || { cat "$TMP/scan.txt" >&2; fail "scan"; }
[ -s "$TMP/data/tokenpulse.sqlite3" ] || fail "scan made no store"
ok "tokenpulse scan (empty TOKENPULSE_HOME): $(tr '\n' ' ' < "$TMP/scan.txt" | head -c 100)"
"${CLEAN[@]}" TOKENPULSE_HOME="$TMP/data" tokenpulse daily --no-scan >/dev/null || fail "daily report"
ok "tokenpulse daily --no-scan"

# 3. the installed desktop files validate
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate /usr/share/applications/$APP_ID.desktop || fail "desktop-file-validate"
    ok "desktop-file-validate"
else echo "skip desktop-file-validate: not installed (apt-get install desktop-file-utils)"; fi
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net /usr/share/metainfo/$APP_ID.metainfo.xml >/dev/null || fail "appstreamcli validate"
    ok "appstreamcli validate --no-net"
else echo "skip appstreamcli: not installed (apt-get install appstream)"; fi

# 4. remove: every file the package owned is gone, and so is /opt/tokenpulse
$SUDO dpkg -r tokenpulse >"$TMP/dpkg-r.log" 2>&1 || { cat "$TMP/dpkg-r.log" >&2; fail "dpkg -r"; }
installed=""
if dpkg-query -W -f '${Status}' tokenpulse 2>/dev/null | grep -q "installed"; then
    fail "still installed: $(dpkg-query -W -f '${Status}' tokenpulse)"
fi
left=0
while read -r f; do
    [ -d "$f" ] && [ ! -L "$f" ] && continue  # shared folders (/usr/share/icons/...) stay
    if [ -e "$f" ] || [ -L "$f" ]; then echo "left behind: $f" >&2; left=1; fi
done < "$TMP/files.txt"
[ -e /opt/tokenpulse ] && { echo "left behind: /opt/tokenpulse" >&2; left=1; }
[ "$left" = 0 ] || fail "dpkg -r left files behind"
$SUDO dpkg -P tokenpulse >/dev/null 2>&1 || true
ok "dpkg -r: $(grep -c . "$TMP/files.txt") paths gone"
echo "deb test passed"
