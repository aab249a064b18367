"""Crash safety: `kill -9` a scanning `tokenpulse` at seeded random moments, restart it, compare with a clean run.

A 30 MB generated corpus is imported over and over: each import ("epoch") starts from an empty store and is
killed at random delays until one run finishes; its `daily --json` must then equal a clean run's exactly, the
store must pass `PRAGMA quick_check`, and the derived tables must agree with the calls. Kills land anywhere:
during start-up, while the store is created, between and inside file transactions, while reports print.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from rel_helpers import (
    call_count,
    daily_json,
    derived_mismatches,
    quick_check,
    record_figure,
    tp_cmd,
    tp_env,
)

KILLS = int(os.environ.get("TP_CRASH_KILLS", "20"))
SEED = int(os.environ.get("TP_CRASH_SEED", "20260301"))
BUDGET_S = 150.0


@pytest.mark.slow
def test_kill_9_during_import_totals_equal_clean_run(corpus30: Path, tmp_path: Path) -> None:
    claude, codex = corpus30 / "claude", corpus30 / "codex"
    clean_env = tp_env(tmp_path, tmp_path / "clean", claude, codex, TOKENPULSE_COMMIT_EVERY_S="0")
    clean_db = tmp_path / "clean" / "tokenpulse.sqlite3"
    started = time.monotonic()
    proc = subprocess.Popen(tp_cmd("scan"), env=clean_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first_write = None
    while proc.poll() is None:  # when do calls start to be committed? (start-up takes most of a short run)
        if first_write is None and call_count(clean_db) > 0:
            first_write = time.monotonic() - started
        time.sleep(0.005)
    clean_s = time.monotonic() - started
    _, err = proc.communicate()
    assert proc.returncode == 0, err.decode(errors="replace")
    startup_s = first_write if first_write is not None else clean_s / 2
    clean = daily_json(clean_env)
    clean_calls = call_count(clean_db)
    assert clean and clean_calls > 1000

    rng = random.Random(SEED)
    kills = during_import = between_commits = epochs = runs = 0
    deadline = time.monotonic() + BUDGET_S
    while during_import < KILLS:
        assert time.monotonic() < deadline, f"only {during_import} kills during an import in {BUDGET_S:.0f} s"
        epochs += 1
        data = tmp_path / f"epoch{epochs}"
        # a commit after every file: kills land between as many commits as there are files
        env = tp_env(tmp_path, data, claude, codex, TOKENPULSE_COMMIT_EVERY_S="0")
        db = data / "tokenpulse.sqlite3"
        while True:  # restart after each kill until a run finishes by itself
            command = rng.choice([("scan",), ("scan", "--json"), ("daily", "--json", "--tz", "UTC")])
            before = call_count(db)
            mode = rng.random()
            runs += 1
            proc = subprocess.Popen(tp_cmd(*command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if mode < 0.15:  # anywhere: start-up, store creation, reading, reports
                finished = _wait(proc, rng.uniform(0.02, clean_s * 1.1))
            elif mode < 0.3:  # around the first reads of this run
                finished = _wait(proc, startup_s * rng.uniform(0.8, 1.2))
            else:  # once this run has committed a random share of what is left, plus a random instant
                target = before + rng.randint(1, max(1, (clean_calls - before) * 3 // 4))
                finished = _wait_for_calls(proc, db, target, rng.uniform(0, 0.02))
            if not finished:
                proc.send_signal(signal.SIGKILL)
                proc.communicate()
                kills += 1
                after = call_count(db)
                if after < clean_calls:  # the import was not finished when the process died
                    during_import += 1
                    between_commits += before < after
                continue
            _, err = proc.communicate()
            assert proc.returncode == 0, err.decode(errors="replace")
            assert b"Traceback" not in err, err.decode(errors="replace")
            break
        assert daily_json(env) == clean, f"epoch {epochs}: totals differ from a clean run"
        assert call_count(db) == clean_calls
        assert quick_check(db) == [("ok",)]
        assert not list(data.glob("*.new-*")), "a half-built store was left behind"
        assert not (data / "recovery-notice.txt").exists(), "a kill was mistaken for a damaged store"
        conn = sqlite3.connect(db)
        try:
            assert derived_mismatches(conn) == []
        finally:
            conn.close()
    record_figure("crash.kills", kills)
    record_figure("crash.kills_during_import", during_import)
    record_figure("crash.kills_after_some_commits_of_that_run", between_commits)
    record_figure("crash.epochs", epochs)
    record_figure("crash.runs", runs)
    record_figure("crash.clean_scan_s", round(clean_s, 2))
    assert between_commits >= KILLS // 2, f"only {between_commits} kills came after the run had committed calls"


def _wait(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    """True when the process ended by itself within `seconds`."""
    try:
        proc.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def _wait_for_calls(proc: subprocess.Popen[bytes], db: Path, target: int, extra: float) -> bool:
    """Wait until the store holds `target` calls (then `extra` seconds more); True when the process ended first."""
    limit = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < limit:
        if call_count(db) >= target:
            return _wait(proc, extra)
        time.sleep(0.005)
    return proc.poll() is not None


def _indexes(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_kill_9_during_a_one_transaction_first_import_leaves_nothing_or_everything(corpus30: Path,
                                                                                    tmp_path: Path) -> None:
    """A first import is one transaction (issue 16): its call indexes are dropped inside it and built at its end.

    Killed at random moments (TOKENPULSE_COMMIT_EVERY_S unset: the one-transaction path), the store holds no call
    or all of them, never a part; it always has every index a clean store has (a kill between the drop and the
    rebuild rolls the drop back); and the run that finishes gives a clean run's totals and consistent figures.
    """
    claude, codex = corpus30 / "claude", corpus30 / "codex"
    clean_env = tp_env(tmp_path, tmp_path / "clean", claude, codex)
    started = time.monotonic()
    out = subprocess.run(tp_cmd("scan"), env=clean_env, capture_output=True, timeout=300)
    clean_s = time.monotonic() - started
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    clean_db = tmp_path / "clean" / "tokenpulse.sqlite3"
    clean, clean_calls, clean_indexes = daily_json(clean_env), call_count(clean_db), _indexes(clean_db)
    assert clean_calls > 1000 and any(name == "ix_api_call_message_hash" for name, _ in clean_indexes)

    rng = random.Random(SEED + 16)
    kills = empty_after_kill = 0
    deadline = time.monotonic() + BUDGET_S
    epoch = 0
    # until enough kills, at least 3 of them before the import's commit: since issue 16 the import is a small
    # part of the run (start-up before it, chat figures and the backup after), so random kills may land mostly
    # after it (a CI run had 2 of 11 before it, under the third this asked for)
    while kills < max(KILLS // 2, 6) or empty_after_kill < 3:
        assert time.monotonic() < deadline, (f"only {kills} kills ({empty_after_kill} inside the import) in"
                                             f" {BUDGET_S:.0f} s")
        epoch += 1
        data = tmp_path / f"one-tx{epoch}"
        env = tp_env(tmp_path, data, claude, codex)
        db = data / "tokenpulse.sqlite3"
        while True:
            proc = subprocess.Popen(tp_cmd("scan"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if _wait(proc, rng.uniform(0.1, 0.9) * clean_s):
                _, err = proc.communicate()
                assert proc.returncode == 0, err.decode(errors="replace")
                break
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            kills += 1
            after = call_count(db)
            assert after in (0, clean_calls), f"a killed first import left {after} of {clean_calls} calls"
            empty_after_kill += after == 0
            if db.exists():
                assert _indexes(db) == clean_indexes, "a killed import left the store without an index"
                assert quick_check(db) == [("ok",)]
        assert daily_json(env) == clean, f"epoch {epoch}: totals differ from a clean run"
        assert call_count(db) == clean_calls and _indexes(db) == clean_indexes
        conn = sqlite3.connect(db)
        try:
            assert derived_mismatches(conn) == []
        finally:
            conn.close()
    record_figure("crash.one_transaction_kills", kills)
    record_figure("crash.one_transaction_kills_leaving_no_call", empty_after_kill)
    assert empty_after_kill >= 3 and kills > empty_after_kill, "kills must land before and after the commit"
