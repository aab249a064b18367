"""Rule 3: daily, weekly and monthly cost budgets, the daily output goal, and the month-end projection."""

from __future__ import annotations

from tokenpulse.config.settings import Reminders
from tokenpulse.insights.facts import SpendSnapshot
from tokenpulse.nudges.model import Action, Nudge
from tokenpulse.nudges.text import tokens, usd

LEVELS = (100, 80)  # per cent, highest first: a jump straight past 100 % fires one reminder, not two
# A projection from the first days of a month is noise; warn about the pace only after this share of it.
MIN_PACE_SHARE = 0.15
_NAMES = {"day": ("Today", "daily"), "week": ("This week", "weekly"), "month": ("This month", "monthly")}


def projection(spend: SpendSnapshot, now_ms: int) -> float | None:
    """Month-end cost at the current pace: spent so far × month length / time elapsed."""
    elapsed = now_ms - spend.month_start_ms
    if elapsed <= 0:
        return None
    return spend.month_cost * (spend.month_end_ms - spend.month_start_ms) / elapsed


def pace_line(spend: SpendSnapshot, now_ms: int, budget: float) -> str:
    return f"At this pace {usd(projection(spend, now_ms))} this month; budget {usd(budget)}."


def _level(amount: float, target: float) -> int:
    return next((lvl for lvl in LEVELS if amount >= target * lvl / 100), 0)


def budget_candidates(spend: SpendSnapshot, now_ms: int, r: Reminders) -> list[Nudge]:
    out: list[Nudge] = []
    periods = (("day", spend.day_key, spend.day_cost, r.daily_budget_usd),
               ("week", spend.week_key, spend.week_cost, r.weekly_budget_usd),
               ("month", spend.month_key, spend.month_cost, r.monthly_budget_usd))
    for period, period_key, cost, budget in periods:
        if not budget or budget <= 0:
            continue
        lvl = _level(cost, budget)
        if not lvl:
            continue
        when, adjective = _NAMES[period]
        body = f"{when} you have spent {usd(cost)} of your {adjective} budget of {usd(budget)} ({cost / budget:.0%})."
        if period == "month":
            body += " " + pace_line(spend, now_ms, budget)
        title = f"{adjective.capitalize()} budget {'reached' if lvl == 100 else f'{lvl} % used'}"
        out.append(Nudge("budget", f"budget:{period}:{period_key}:{lvl}", title, body,
                         (Action("open_budgets", "Budgets"), Action("dismiss", "Dismiss")),
                         also_done=tuple(f"budget:{period}:{period_key}:{low}" for low in LEVELS if low < lvl)))
    pace = pace_candidate(spend, now_ms, r)
    if pace is not None:
        out.append(pace)
    goal = r.daily_output_goal
    if goal and goal > 0:
        lvl = _level(spend.day_output, goal)
        if lvl:
            out.append(Nudge(
                "output_goal", f"output_goal:{spend.day_key}:{lvl}",
                "Output goal reached" if lvl == 100 else f"Output goal {lvl} % there",
                f"Today your agents have written {tokens(spend.day_output)} output tokens of your goal of"
                f" {tokens(goal)} ({spend.day_output / goal:.0%}).", (Action("dismiss", "Dismiss"),),
                also_done=tuple(f"output_goal:{spend.day_key}:{low}" for low in LEVELS if low < lvl)))
    return out


def pace_candidate(spend: SpendSnapshot, now_ms: int, r: Reminders) -> Nudge | None:
    """Once a month, when the projection exceeds the monthly budget that is not yet used up."""
    budget = r.monthly_budget_usd
    if not budget or budget <= 0 or spend.month_cost >= budget:
        return None  # no budget, or the 100 % reminder already says more
    length = spend.month_end_ms - spend.month_start_ms
    if length <= 0 or (now_ms - spend.month_start_ms) / length < MIN_PACE_SHARE:
        return None
    projected = projection(spend, now_ms)
    if projected is None or projected <= budget:
        return None
    return Nudge("budget_pace", f"budget_pace:{spend.month_key}", "Monthly budget at risk",
                 f"So far {usd(spend.month_cost)} this month. " + pace_line(spend, now_ms, budget),
                 (Action("open_budgets", "Budgets"), Action("dismiss", "Dismiss")))
