"""Snooze choices end after 30 minutes, an hour, or at the next local midnight."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tokenpulse.presenters.snooze import CHOICES, snooze_until

PARIS = ZoneInfo("Europe/Paris")


def _ms(text: str, tz: ZoneInfo) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=tz).timestamp() * 1000)


def test_minutes() -> None:
    now = _ms("2026-03-01T22:10", PARIS)
    assert snooze_until("30m", now, PARIS) == now + 30 * 60_000
    assert snooze_until("1h", now, PARIS) == now + 60 * 60_000


def test_until_tomorrow_is_local_midnight_even_across_dst() -> None:
    assert snooze_until("tomorrow", _ms("2026-03-01T22:10", PARIS), PARIS) == _ms("2026-03-02T00:00", PARIS)
    # the night clocks go forward (29 March 2026 in Paris): still the next local midnight
    assert snooze_until("tomorrow", _ms("2026-03-28T23:30", PARIS), PARIS) == _ms("2026-03-29T00:00", PARIS)


def test_every_menu_choice_is_known_and_unknown_ones_fail() -> None:
    for choice, _label in CHOICES:
        assert snooze_until(choice, 0, PARIS) > 0
    with pytest.raises(ValueError):
        snooze_until("forever", 0, PARIS)
