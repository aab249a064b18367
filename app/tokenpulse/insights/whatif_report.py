"""One what-if as the charts show it: the re-priced calls and the per-model facts of a scope, read together.

The same functions `tokenpulse whatif` calls (whatif.reprice, model_fit.model_facts, dearest, light_chats), in
the same order and with the same arguments, so a scope's figures here are the CLI's. Facts only, no advice.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from tokenpulse.insights import model_fit
from tokenpulse.insights.call_scope import Scope
from tokenpulse.insights.model_fit import LightChat, ModelFacts
from tokenpulse.insights.whatif import APPROXIMATION, RatesSource, WhatIf, reprice, target_known


@dataclass(frozen=True, slots=True)
class WhatIfReport:
    target: str
    known: bool  # whether the price source knows the target (else `result` is None: nothing to re-price with)
    result: WhatIf | None
    facts: list[ModelFacts] = field(default_factory=list)
    dearest: str | None = None  # the model with the highest output price in the scope
    light: list[LightChat] = field(default_factory=list)  # chats on it whose calls mostly wrote little
    small: int = model_fit.SMALL_OUTPUT

    def as_dict(self) -> dict[str, object]:
        """The keys of `tokenpulse whatif --json` (less its scope label)."""
        head: dict[str, object] = (self.result.as_dict() if self.result is not None
                                   else {"target_model": self.target, "approximation": APPROXIMATION})
        return {**head, "small_output_tokens": self.small, "model_facts": [f.as_dict() for f in self.facts],
                "dearest_model": self.dearest, "light_chats_on_dearest_model": [c.as_dict() for c in self.light]}


def whatif_report(conn: sqlite3.Connection, scope: Scope, target: str, rates: RatesSource, now_ms: int,
                  small: int = model_fit.SMALL_OUTPUT) -> WhatIfReport:
    """The scope re-priced at `target`'s rates (when they are known) and the facts of its models."""
    known = bool(target) and target_known(conn, scope, target, rates, now_ms)
    result = reprice(conn, scope, target, rates) if known else None
    facts = model_fit.model_facts(conn, scope, rates, small)
    top = model_fit.dearest(facts)
    light = model_fit.light_chats(conn, scope, top, small) if top else []
    return WhatIfReport(target, known, result, facts, top, light, small)
