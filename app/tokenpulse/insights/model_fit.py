"""Facts for choosing a model that is just enough: per model, how much its calls wrote and what that cost.

Per model in the scope: the share of calls with small outputs, the median output per call, and the cost per
output token, each with its counts. Then the chats on the dearest model here (the highest output price on the
scope's last day) whose calls on it mostly (more than half) wrote little. Facts only: no advice beyond them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Protocol

from tokenpulse.insights.call_scope import Scope
from tokenpulse.pricing.pricer import utc_day
from tokenpulse.pricing.rates import Rates

SMALL_OUTPUT = 300  # output tokens: a tool call or a short reply, not a page of code


class RatesSource(Protocol):
    def rates(self, model: str, day: str) -> Rates | None: ...


@dataclass(frozen=True, slots=True)
class ModelFacts:
    model: str
    calls: int
    small_calls: int  # calls whose output was at most the small-output limit
    median_output: float
    output_tokens: int
    cost_usd: float | None  # the known costs; None when no call has a known price
    priced_output_tokens: int  # output tokens of the calls with a known cost (the divisor of cost per token)
    output_price: float | None  # USD per million output tokens on the scope's last day (None: unknown)

    @property
    def small_share(self) -> float:
        return self.small_calls / self.calls if self.calls else 0.0

    @property
    def cost_per_output_token(self) -> float | None:
        if self.cost_usd is None or not self.priced_output_tokens:
            return None
        return self.cost_usd / self.priced_output_tokens

    def as_dict(self) -> dict[str, object]:
        per = self.cost_per_output_token
        return {"model": self.model, "calls": self.calls, "small_output_calls": self.small_calls,
                "small_output_share": round(self.small_share, 4), "median_output_tokens": self.median_output,
                "output_tokens": self.output_tokens,
                "cost_per_output_token": {"value": per,
                                          "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
                                          "output_tokens": self.priced_output_tokens},
                "output_price_per_mtok": self.output_price}


@dataclass(frozen=True, slots=True)
class LightChat:
    """A chat whose calls on the dearest model mostly wrote little."""

    session_id: int
    source: str
    session_key: str
    project: str | None
    last_ms: int
    calls: int  # its calls on the dearest model
    small_calls: int
    median_output: float
    cost_usd: float | None

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "session": self.session_key, "project": self.project, "calls": self.calls,
                "small_output_calls": self.small_calls, "median_output_tokens": self.median_output,
                "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6)}


_BASE = "FROM api_call c JOIN chat_session s ON s.id = c.session_id WHERE {where}"


def model_facts(conn: sqlite3.Connection, scope: Scope, rates: RatesSource,
                small: int = SMALL_OUTPUT) -> list[ModelFacts]:
    """Per model in the scope, most calls first."""
    where, args = scope.where()
    base = _BASE.format(where=where)
    medians = _medians(conn, "c.model", base, args)
    last = conn.execute(f"SELECT max(c.ts_ms) {base}", args).fetchone()[0]
    out = []
    for model, calls, small_calls, output, cost, priced_out in conn.execute(
            f"SELECT c.model, count(*), sum(c.output <= ?), sum(c.output), sum(c.cost_usd),"
            f" sum(CASE WHEN c.cost_usd IS NOT NULL THEN c.output ELSE 0 END) {base} GROUP BY c.model",
            [small, *args]):
        r = rates.rates(model, utc_day(int(last))) if last is not None else None
        out.append(ModelFacts(model, int(calls), int(small_calls), medians.get((model,), 0.0), int(output),
                              None if cost is None else float(cost), int(priced_out),
                              None if r is None else r.output[0]))
    out.sort(key=lambda f: (-f.calls, f.model))
    return out


def dearest(facts: list[ModelFacts]) -> str | None:
    """The model with the highest output price among those priced (ties: the first by name)."""
    priced = [f for f in facts if f.output_price is not None]
    if not priced:
        return None
    return min(priced, key=lambda f: (-(f.output_price or 0.0), f.model)).model


def light_chats(conn: sqlite3.Connection, scope: Scope, model: str, small: int = SMALL_OUTPUT) -> list[LightChat]:
    """Chats whose calls on `model` were more than half small, costliest first."""
    where, args = scope.where()
    base = _BASE.format(where=where) + " AND c.model = ?"
    args = [*args, model]
    medians = _medians(conn, "c.session_id", base, args)
    rows = conn.execute(
        f"SELECT s.id, s.source, s.session_key, s.project, max(c.ts_ms), count(*), sum(c.output <= ?),"
        f" sum(c.cost_usd) {base} GROUP BY s.id HAVING 2 * sum(c.output <= ?) > count(*)", [small, *args, small])
    out = [LightChat(int(sid), str(src), str(key), project, int(last), int(calls), int(sc),
                     medians.get((sid,), 0.0), None if cost is None else float(cost))
           for sid, src, key, project, last, calls, sc, cost in rows]
    out.sort(key=lambda c: (-(c.cost_usd or 0.0), -c.last_ms))
    return out


def _medians(conn: sqlite3.Connection, key: str, base: str, args: list[object]) -> dict[tuple[object, ...], float]:
    """The median output per group: the middle value, or the mean of the two middle values."""
    rows = conn.execute(
        f"WITH o AS (SELECT {key} AS k, c.output AS v, row_number() OVER (PARTITION BY {key} ORDER BY c.output) AS rn,"
        f" count(*) OVER (PARTITION BY {key}) AS n {base})"
        " SELECT k, avg(v) FROM o WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY k", args)
    return {(k,): float(v) for k, v in rows}
