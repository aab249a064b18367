"""Number formats people read at a glance: compact token counts (12.3k, 1.2M), money ($3.40), counts (1,204)."""

from __future__ import annotations

_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "k"))


def compact(n: int) -> str:
    """A token count in at most four characters plus a unit: 950, 1.2k, 12.3k, 123k, 1.2M, 45M.

    One decimal below 100 of a unit, none above, and a trailing ".0" dropped (12k, not 12.0k).
    """
    if n < 0:
        return "-" + compact(-n)
    if n < 1000:
        return str(n)
    for i, (size, unit) in enumerate(_UNITS):
        if n >= size:
            value = n / size
            text = f"{value:.1f}" if value < 99.95 else f"{value:.0f}"
            if text == "1000" and i > 0:  # 999,950 rounds up to the next unit
                return compact(_UNITS[i - 1][0])
            return (text.removesuffix(".0")) + unit
    return str(n)  # unreachable: n >= 1000 always matches "k"


def short(n: int) -> str:
    """At most three digits plus a unit, for a tray icon: 950, 1.2k, 12k, 123k, 1.2M, 45M."""
    text = compact(n)
    if "." in text and len(text) > 4:  # 12.3k -> 12k
        return text.split(".")[0] + text[-1]
    return text


def grouped(n: int) -> str:
    """1204 → "1,204"."""
    return f"{n:,}"


def money(usd: float | None) -> str:
    """US dollars: $1,234 · $3.40 · $0.41 · $0.004; None (no known price for the model) → "no price"."""
    if usd is None:
        return "no price"
    if usd < 0:
        return "-" + money(-usd)
    if usd == 0:
        return "$0.00"
    if usd >= 1000:
        return f"${usd:,.0f}"
    if usd >= 0.01:
        return f"${usd:,.2f}"
    if usd >= 0.001:
        return f"${usd:.3f}"
    return "<$0.001"


def percent(part: float, whole: float) -> int:
    """Whole percent, 0 when `whole` is 0."""
    return round(100 * part / whole) if whole else 0
