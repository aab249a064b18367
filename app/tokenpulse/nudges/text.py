"""Short, concrete number formats for reminder texts."""

from __future__ import annotations


def usd(value: float | None) -> str:
    if value is None:
        return "an unknown amount"
    if abs(value) >= 100:
        return f"${value:,.0f}"
    if abs(value) >= 0.995:
        return f"${value:,.2f}"
    return f"${value:.3f}" if abs(value) < 0.01 else f"${value:.2f}"


def usd_each(value: float | None) -> str:
    """A per-message amount: cents with a third decimal below ten cents ("$0.031", "$0.008")."""
    if value is not None and abs(value) < 0.1:
        return f"${value:.3f}"
    return usd(value)


def tokens(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1e6:.1f}M"
    if count >= 10_000:
        return f"{count / 1e3:.0f}k"
    if count >= 1_000:
        return f"{count / 1e3:.1f}k"
    return str(count)


def where(agent: str, project: str | None) -> str:
    from tokenpulse.presenters.plain import no_markup

    name = no_markup(project.rstrip("/").rsplit("/", 1)[-1]) if project else None
    return f"{agent} · {name}" if name else agent
