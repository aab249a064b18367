"""While the first import runs, the summary says "importing…" everywhere a total would be: never a partial or
$0.00 figure presented as the day's or the week's, and never "Importing 0 of 0 files" (issue 12 §4)."""

from __future__ import annotations

import re

from presenters.factories import make_snapshot
from tokenpulse.insights.spend_facts import SpendFacts
from tokenpulse.presenters import text
from tokenpulse.snapshot import ImportProgress, Snapshot
from tokenpulse.store.queries import Totals

PARTIAL = make_snapshot(ready=False, importing=ImportProgress(12, 40),
                        week_facts=SpendFacts(read_cost=3.0, long_context=1.0, long_chat=0.5, crowded=0.2,
                                              waste_cost=1.2, waste_tokens=4_000_000))
FIRST_RUN = make_snapshot(ready=False, importing=ImportProgress(0, 0), today=Totals(), week=Totals(), live=None,
                          spark_output=(0,) * 14)


def _summary(snap: Snapshot) -> list[str]:
    """Every text of the summary around its table (popup.update_snapshot shows these)."""
    return [text.headline(snap), *text.no_live_lines(snap), text.week_waste(snap), text.week_facts(snap) or "", text.spark_caption(snap),
            *text.state_lines(snap), *(f"{r.label}: {r.today} / {r.week}" for r in text.summary_rows(snap))]


def test_the_headline_says_importing_with_progress_not_a_partial_total() -> None:
    assert text.headline(PARTIAL) == "Today: importing… (30 % of the files)"
    shown = "\n".join(_summary(PARTIAL))
    assert "12.3k" not in shown and "$3.40" not in shown  # today's partial output and cost
    assert "$21.10" not in shown and "$1.20" not in shown  # the week's partial cost and waste
    assert text.week_waste(PARTIAL) == "Long-chat waste this week: importing…"
    assert text.week_facts(PARTIAL) is None
    assert text.spark_caption(PARTIAL) == "Output, last 14 days: importing…"


def test_a_first_run_shows_no_zero_and_no_0_of_0() -> None:
    shown = _summary(FIRST_RUN)
    assert text.headline(FIRST_RUN) == "Today: importing…"  # the file count is not known yet
    assert "Importing…" in shown and not any("0 of 0" in line for line in shown)
    assert not any("no calls yet" in line or "none yet" in line for line in shown)
    assert text.no_live_lines(FIRST_RUN) == ("Live chat", "Known once the logs are imported.")  # not "no call"
    assert not any(re.search(r"(^|\D)\$?0(\.00)?$", line) for line in shown), shown  # no bare 0 or $0.00
    assert text.progress_text(ImportProgress(0, 0)) == "Importing…"
    assert text.progress_text(ImportProgress(1_204, 3_100)) == "Importing 1,204 of 3,100 files"


def test_reading_the_logs_before_the_first_progress_is_importing_too() -> None:
    snap = make_snapshot(ready=False, importing=None)
    assert text.headline(snap) == "Today: importing…"
    assert text.spark_caption(snap) == "Output, last 14 days: importing…"


def test_once_imported_the_totals_show() -> None:
    snap = make_snapshot()
    assert text.headline(snap) == "Today: 12.3k output · $3.40"
    assert text.spark_caption(snap) == "Output, last 14 days: 61.5k"
    assert text.no_live_lines(snap.with_state(live=None)) == ("No live chat", "No agent call in the last 10 minutes.")


def test_the_tray_menu_and_tooltip_never_say_0_of_0() -> None:
    assert text.state_lines(FIRST_RUN) == ["Importing…"]
    assert "0 of 0" not in text.tooltip(FIRST_RUN)
