#!/usr/bin/env bash
# Smoke-test the PyInstaller bundle (dist/tokenpulse/ from `python packaging/build.py bundle`):
#   1. offscreen: `tokenpulse --version`, `tokenpulse scan --help`, `tokenpulse scan` on an empty data folder;
#   2. an old-schema store is upgraded by the bundled alembic scripts (needs $PY with alembic; else skipped);
#   3. every bundled ELF file resolves its libraries (only the ones the .deb declares may be missing here);
#   4. under Xvfb with a tray host (trayer), the tray app starts and its icon docks in the tray; a
#      screenshot goes to $OUT/bundle-tray.png. Skipped with a message when Xvfb/trayer/xdotool are absent,
#      unless REQUIRE_XVFB=1.
# Usage: packaging/test_bundle.sh [BUNDLE_DIR]     env: PY (python with alembic), OUT, DISP, REQUIRE_XVFB
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=$(realpath "${1:-dist/tokenpulse}")
EXE="$BUNDLE/tokenpulse"
PY=${PY:-python3}
OUT=${OUT:-build/test-bundle}
DISP=${DISP:-}  # empty: Xvfb picks a free display (-displayfd), so other X servers on the machine never collide
mkdir -p "$OUT"; OUT=$(realpath "$OUT")
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' app/tokenpulse/__init__.py)
[ -x "$EXE" ] || { echo "FAIL: no bundle at $BUNDLE (python packaging/build.py bundle)" >&2; exit 1; }

TMP=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*" >&2; exit 1; }
# A clean environment: no agent logs, nothing of the caller's tokenpulse data. `env` execs the program, so
# a background `run ... &` has the program's own PID in $!.
CLEAN=(env -u CLAUDE_CONFIG_DIR -u CODEX_HOME -u TOKENPULSE_HOME HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config"
       XDG_DATA_HOME="$TMP/home/.local/share")
run() { "${CLEAN[@]}" "$@"; }
mkdir -p "$TMP/home"

# 0. the compiled scan accelerator is in the bundle (without it the scan silently runs at half speed)
accel=$(find "$BUNDLE" -name '_scan.*.so' -path '*tokenpulse/native/*' | head -1)
[ -n "$accel" ] || fail "the bundle has no compiled accelerator (tokenpulse/native/_scan.*.so)"; ok "accelerator: ${accel#$BUNDLE/}"

# 1. offscreen CLI
export QT_QPA_PLATFORM=offscreen
out=$(run "$EXE" --version); [ "$out" = "tokenpulse $VERSION" ] || fail "--version printed '$out'"; ok "--version: $out"
run "$EXE" scan --help | grep -q "usage: tokenpulse scan" || fail "scan --help"; ok "scan --help"
run env TOKENPULSE_HOME="$TMP/data" "$EXE" scan --json > "$TMP/scan.json" || fail "scan on an empty data folder"
[ -s "$TMP/data/tokenpulse.sqlite3" ] || fail "scan made no store"; ok "scan (empty): $(tr -d " \n" < "$TMP/scan.json" | head -c 120)..."

# 2. migrations run from the bundle
if PYTHONPATH=app "$PY" -c "import alembic, tokenpulse.store.migrate" 2>/dev/null; then
    mkdir -p "$TMP/old"
    PYTHONPATH=app "$PY" - "$TMP/old/tokenpulse.sqlite3" <<'EOF'
import sys
from pathlib import Path
from alembic import command
from alembic.script import ScriptDirectory
from tokenpulse.store.migrate import _config
cfg = _config(Path(sys.argv[1]))
first = [r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()][-1]
command.upgrade(cfg, first)
print("old store at", first)
EOF
    run env TOKENPULSE_HOME="$TMP/old" "$EXE" scan --json >/dev/null || fail "scan did not upgrade an old store"
    rev=$("$PY" -c "import sqlite3,sys;print(sqlite3.connect(sys.argv[1]).execute('select version_num from alembic_version').fetchone()[0])" "$TMP/old/tokenpulse.sqlite3")
    head=$(sed -n 's/^HEAD_REVISION = "\(.*\)"/\1/p' app/tokenpulse/store/schema_version.py)
    [ "$rev" = "$head" ] || fail "old store at $rev after the scan, expected $head"; ok "alembic upgrade in the bundle -> $rev"
else
    echo "skip migration check: $PY cannot import alembic + tokenpulse (set PY=)"
fi

# 3. shared libraries: what is not bundled must come from packages the .deb depends on
allowed='^(libwayland-cursor\.so\.0|libwayland-egl\.so\.1|libwayland-client\.so\.0)$'
missing=$(find "$BUNDLE" -type f \( -name '*.so*' -o -name tokenpulse \) -print0 |
          xargs -0 -n 50 env LD_LIBRARY_PATH="$BUNDLE/_internal" ldd 2>/dev/null | awk '/not found/ {print $1}' | sort -u)
bad=$(echo "$missing" | grep -v -E "$allowed" | grep . || true)
[ -z "$bad" ] || fail "unresolved libraries in the bundle: $bad"
ok "libraries resolve (not on this machine, provided by the .deb's Depends: $(echo $missing))"

# 4. Xvfb + trayer: the tray icon docks
if ! command -v Xvfb >/dev/null || ! command -v trayer >/dev/null || ! command -v xdotool >/dev/null; then
    [ "${REQUIRE_XVFB:-0}" = 1 ] && fail "Xvfb, trayer and xdotool are required (REQUIRE_XVFB=1)"
    echo "skip tray check: needs Xvfb, trayer, xdotool, x11-utils"; echo "bundle smoke test passed"; exit 0
fi
if [ -n "$DISP" ]; then
    Xvfb "$DISP" -screen 0 1024x768x24 -nolisten tcp >"$OUT/xvfb.log" 2>&1 & pids+=($!)
else
    Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$TMP/display" >"$OUT/xvfb.log" 2>&1 & pids+=($!)
    for _ in $(seq 100); do [ -s "$TMP/display" ] && break; sleep 0.1; done
    [ -s "$TMP/display" ] || fail "Xvfb did not report a display (see $OUT/xvfb.log)"
    DISP=":$(tr -d '[:space:]' < "$TMP/display")"
fi
export DISPLAY=$DISP QT_QPA_PLATFORM=xcb
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
xdpyinfo >/dev/null 2>&1 || fail "Xvfb did not start on $DISP (see $OUT/xvfb.log)"
trayer --edge top --align right --widthtype pixel --width 120 --heighttype pixel --height 28 \
       --SetDockType true --transparent false --tint 0x333333 >"$OUT/trayer.log" 2>&1 & pids+=($!)
for _ in $(seq 50); do xdotool search --class trayer >/dev/null 2>&1 && break; sleep 0.1; done
sleep 0.5  # let trayer take the _NET_SYSTEM_TRAY selection
"${CLEAN[@]}" TOKENPULSE_HOME="$TMP/data" "$EXE" >"$OUT/app.log" 2>&1 & app=$!; pids+=($app)
docked=""
for _ in $(seq 100); do
    kill -0 "$app" 2>/dev/null || { cat "$OUT/app.log" >&2; fail "the app exited early"; }
    panel=$(xwininfo -root -tree | awk '/\("panel" "trayer"\)/ {print $1; exit}')
    if [ -n "$panel" ] && xwininfo -tree -id "$panel" | grep -q '("tokenpulse" "tokenpulse")'; then docked=1; break; fi
    sleep 0.1
done
[ -n "$docked" ] || { xwininfo -root -tree > "$OUT/tree.txt"; fail "no tokenpulse icon in the tray (see $OUT/)"; }
sleep 1
command -v import >/dev/null && import -window root "$OUT/bundle-tray.png" 2>/dev/null || true
kill "$app"  # SIGTERM: the app should quit on its own
for _ in $(seq 50); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$app" 2>/dev/null; then echo "warn: the app ignored SIGTERM for 5 s; killing it"; kill -9 "$app"; fi
wait "$app" 2>/dev/null || true
ok "tray app under Xvfb: icon docked in trayer (screenshot: $OUT/bundle-tray.png)"
echo "bundle smoke test passed"
