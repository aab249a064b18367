"""`tokenpulse whatif --model NAME`: a range, a project or a chat re-priced at another model's rates, and the
facts that help choose a model that is just enough (as JSON or tables)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tokenpulse.cli.table import count, money
from tokenpulse.cli.table import plain as render
from tokenpulse.insights import model_fit
from tokenpulse.insights.call_scope import Scope, find_chat
from tokenpulse.insights.whatif import APPROXIMATION, Repriced, WhatIf, reprice, target_known
from tokenpulse.store.localtime import day_start_ms, next_day
from tokenpulse.store.queries import Filter
from tokenpulse.untrusted_text import escape_controls, json_text

if TYPE_CHECKING:
    from tokenpulse.workspace import Workspace

EXIT_OK, EXIT_USAGE = 0, 2


def add_arguments(cmd: argparse.ArgumentParser, add_source: Callable[[argparse.ArgumentParser], None]) -> None:
    cmd.add_argument("--model", required=True, metavar="NAME", help="the other model, as the price list names it")
    cmd.add_argument("--since", help="first local day included (YYYY-MM-DD or YYYYMMDD)")
    cmd.add_argument("--until", help="last local day included (YYYY-MM-DD or YYYYMMDD)")
    cmd.add_argument("--tz", help="IANA time zone for days (default: the local zone)")
    what = cmd.add_mutually_exclusive_group()
    what.add_argument("--project", metavar="PATH", help="only this project folder (its sub-folders included)")
    what.add_argument("--chat", metavar="SESSION", help="only this chat (a session id or its start; sub-agents"
                                                        " included)")
    cmd.add_argument("--small-output", type=int, default=model_fit.SMALL_OUTPUT, metavar="TOKENS",
                     help=f"a call that wrote at most this many output tokens counts as small"
                          f" (default {model_fit.SMALL_OUTPUT})")
    add_source(cmd)
    cmd.add_argument("--json", action="store_true", help="print as JSON")
    cmd.add_argument("--no-scan", action="store_true", help="use the store as it is, without scanning")


class WhatIfError(Exception):
    """A what-if that cannot be answered as asked: one line, exit code 2."""


def run(workspace: Workspace, args: argparse.Namespace, zone: Callable[[str | None, str | None], ZoneInfo],
        day: Callable[[str | None, str], str | None]) -> int:
    """`zone` and `day` are the CLI's own parsers of --tz and of dates (they raise its usage error)."""
    try:
        return _run(workspace, args, zone, day)
    except WhatIfError as exc:
        print(f"tokenpulse: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(workspace: Workspace, args: argparse.Namespace, zone: Callable[[str | None, str | None], ZoneInfo],
         day: Callable[[str | None, str], str | None]) -> int:
    tz = zone(args.tz, workspace.settings.timezone)
    since, until = day(args.since, "--since"), day(args.until, "--until")
    if since and until and since > until:
        raise WhatIfError(f"--since {since} is after --until {until}")
    if args.small_output < 0:
        raise WhatIfError("--small-output must be 0 or more")
    if not args.no_scan:
        from tokenpulse.cli.progress import ProgressBar

        bar = ProgressBar()
        summary = workspace.scan(progress=bar, wait=30.0, daily_backup=True)
        bar.finish()
        if summary is None:
            print("tokenpulse: another tokenpulse is scanning; using the store as it is", file=sys.stderr)
    window = Filter(since_ms=day_start_ms(since, tz) if since else None,
                    until_ms=day_start_ms(next_day(until), tz) if until else None,
                    sources=[s.name for s in workspace.sources])
    scope, label = _scope(workspace, args, window, since, until)
    conn = workspace.conn
    if not target_known(conn, scope, args.model, workspace.pricer, workspace.clock.now_ms()):
        raise WhatIfError(_unknown_model(args.model))
    result = reprice(conn, scope, args.model, workspace.pricer)
    facts = model_fit.model_facts(conn, scope, workspace.pricer, args.small_output)
    top = model_fit.dearest(facts)
    light = model_fit.light_chats(conn, scope, top, args.small_output) if top else []
    if args.json:
        print(json_text({"scope": label, **result.as_dict(), "small_output_tokens": args.small_output,
                         "model_facts": [f.as_dict() for f in facts], "dearest_model": top,
                         "light_chats_on_dearest_model": [c.as_dict() for c in light]}))
    else:
        print(_text(result, label, facts, top, light, args.small_output, tz))
    return EXIT_OK


def _scope(workspace: Workspace, args: argparse.Namespace, window: Filter, since: str | None,
           until: str | None) -> tuple[Scope, str]:
    span = f"{since or 'the first call'} … {until or 'the last call'}"
    if args.project:
        folder = args.project.rstrip("/") or "/"
        return Scope(window, project=folder), f"project {folder}, {span}"
    if args.chat:
        found = find_chat(workspace.conn, args.chat)
        if not found:
            raise WhatIfError(f"no chat with session id {_plain(args.chat)!r} (see `tokenpulse sessions`)")
        if len(found) > 1:
            listed = ", ".join(f"{src}:{_plain(key)}" for _, src, key in found)
            raise WhatIfError(f"{_plain(args.chat)!r} matches {len(found)} chats ({listed}); give more of the id")
        sid, src, key = found[0]
        return Scope(window, chat_id=sid), f"chat {src}:{key}, {span}"
    return Scope(window), f"all projects, {span}"


def _unknown_model(name: str) -> str:
    import difflib

    from tokenpulse.pricing.catalog import known_models

    close = difflib.get_close_matches(name, known_models(), n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else " (add a price override in settings.toml)"
    return f"no price is known offline for model {_plain(name)!r}{hint}"


def _plain(text: str) -> str:
    """Text from the logs or the command line as a terminal shows it: control characters (bidi ones included)
    shown as escapes, as in every other report."""
    return escape_controls(text)


def _row(r: Repriced) -> list[str]:
    diff = r.difference
    return [_plain(r.model), count(r.calls), count(r.input), count(r.cache_write_5m + r.cache_write_1h),
            count(r.cache_read), count(r.output), money(r.actual_cost), money(r.whatif_cost),
            "—" if diff is None else ("+" if diff >= 0 else "−") + money(abs(diff))]


def _text(result: WhatIf, label: str, facts: list[model_fit.ModelFacts], top: str | None,
          light: list[model_fit.LightChat], small: int, tz: ZoneInfo) -> str:
    out = [f"What if {_plain(result.target)} had served these calls ({_plain(label)})", ""]
    if not result.rows:
        return "\n".join([*out, "No usage recorded in this scope."])
    head = ["Model", "Calls", "Input", "Cache write", "Cache read", "Output", "Cost", "What-if cost", "Difference"]
    out.append(render(head, [_row(r) for r in result.rows], [False] + [True] * 8, _row(result.total)))
    t = result.total
    if t.unpriced_calls:
        out.append(f"{count(t.unpriced_calls)} call(s) have no known cost of their own: their actual cost is left out.")
    if t.calls_without_target_price:
        out.append(f"{count(t.calls_without_target_price)} call(s) fall on days with no known price for"
                   f" {_plain(result.target)}: left out of the what-if cost.")
    out += [APPROXIMATION, "", f"Per model: what the calls wrote (small: at most {count(small)} output tokens)"]
    out.append(render(
        ["Model", "Calls", "Small outputs", "Median output", "Output", "Cost", "Cost per 1k output"],
        [[_plain(f.model), count(f.calls), f"{count(f.small_calls)} ({f.small_share:.0%})",
          f"{f.median_output:,.0f}", count(f.output_tokens), money(f.cost_usd),
          "no price" if f.cost_per_output_token is None else f"${f.cost_per_output_token * 1000:,.4f}"]
         for f in facts], [False] + [True] * 6))
    if top is not None:
        out += ["", f"Chats on {_plain(top)} (the highest output price here) whose calls on it mostly wrote at most"
                    f" {count(small)} output tokens: {len(light)}"]
        if light:
            out.append(render(
                ["Last call", "Project", "Chat", "Calls", "Small", "Median output", "Cost"],
                [[_local(c.last_ms, tz), _short(_plain(c.project or "(unknown folder)"), 40),
                  _short(_plain(c.session_key), 24), count(c.calls), count(c.small_calls),
                  f"{c.median_output:,.0f}", money(c.cost_usd)] for c in light[:20]],
                [False, False, False, True, True, True, True]))
            if len(light) > 20:
                out.append(f"… and {len(light) - 20} more (--json lists all)")
    return "\n".join(out)


def _local(ts_ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1):]
