"""The environment benchmarked processes run in: like an installed app's, whatever the shell around says."""

from __future__ import annotations

import compileall
import os
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def bench_env() -> dict[str, str]:
    """os.environ without the agents' and tokenpulse's own variables, and with bytecode caching on.

    An installed wheel ships compiled modules; a checkout run with PYTHONDONTWRITEBYTECODE=1 (set on some
    machines) would instead recompile every module on every start and time the compiler, not tokenpulse.
    """
    compileall.compile_dir(str(APP), quiet=1)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CLAUDE", "CODEX", "TOKENPULSE")) and k != "PYTHONDONTWRITEBYTECODE"}
    return env
