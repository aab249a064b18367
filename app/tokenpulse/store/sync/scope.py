"""Which devices' ledgers a query reads, as SQL: one FROM item over this device's store and attached copies.

A device is a number in SQL (its place in the scope) and a label in Python, so no name from another machine
is ever spliced into a statement. Each device's calls are joined to its own sessions inside its own ledger
(session ids are per ledger), then the devices are put one after another (UNION ALL): every call is counted
once, in the ledger of the device that made it.
"""

from __future__ import annotations

from dataclasses import dataclass

CALL_COLUMNS = ("ts_ms", "source", "model", "input", "cache_write_5m", "cache_write_1h", "cache_read", "output",
                "reasoning", "cost_usd", "session_id")
SESSION_COLUMNS = ("session_key", "parent_key", "project", "models")
STATS_COLUMNS = ("first_context", "recap_allowance")  # a chat's fresh floor F and recap allowance R (waste)


@dataclass(frozen=True, slots=True)
class Member:
    label: str  # the device's name as reports show it
    schema: str  # "main" (this device's store) or the alias its copy is attached under


@dataclass(frozen=True, slots=True)
class DeviceScope:
    members: tuple[Member, ...]

    @property
    def labelled(self) -> bool:
        """More than one device: rows say which device they belong to."""
        return len(self.members) > 1

    def label(self, index: int) -> str:
        return self.members[index].label

    @property
    def schemas(self) -> tuple[str, ...]:
        return tuple(m.schema for m in self.members)

    def calls(self, *, sessions: bool = False, stats: bool = False) -> str:
        """A FROM item (use it as `... FROM {scope.calls()} c`) with the call columns, `device` (the member's
        index), with `sessions` the session's key, parent, project and models, and with `stats` its chat's
        waste floor and allowance (NULL for a chat whose figures are not computed yet)."""
        parts = []
        for i, member in enumerate(self.members):
            cols = ", ".join(f"c.{c}" for c in CALL_COLUMNS)
            join = ""
            if sessions:
                cols += ", " + ", ".join(f"s.{c}" for c in SESSION_COLUMNS)
                join = f" JOIN {member.schema}.chat_session s ON s.id = c.session_id"
            if stats:
                cols += ", " + ", ".join(f"t.{c}" for c in STATS_COLUMNS)
                join += f" LEFT JOIN {member.schema}.chat_stats t ON t.session_id = c.session_id"
            parts.append(f"SELECT {i} AS device, {cols} FROM {member.schema}.api_call c{join}")
        return "(" + " UNION ALL ".join(parts) + ")"


THIS_DEVICE = DeviceScope((Member("", "main"),))
