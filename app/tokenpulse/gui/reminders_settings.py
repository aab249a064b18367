"""The settings dialog's "Reminders" tab: when to suggest a fresh chat, what counts as long-chat waste, quiet
hours, budgets and the daily output goal. Ranges come from the settings schema; fields that are off look off."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QWidget

from tokenpulse.config.settings import Reminders, bounds
from tokenpulse.gui.settings_fields import (
    fixed_field,
    form_layout,
    greyed_when_none,
    money_field,
    spin_field,
    time_field,
)


class RemindersTab(QWidget):
    """`read()` gives the Reminders section."""

    def __init__(self, r: Reminders, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = form_layout(self)
        self.fresh_chat = QCheckBox("Suggest a fresh chat when a chat's context gets long", checked=r.fresh_chat)
        self.threshold = spin_field(r.context_threshold, *_int_range("context_threshold"), 10_000, " tokens",
                                    "threshold")
        low, high = _range("growth_factor")
        self.growth = QDoubleSpinBox(objectName="growth", minimum=low, maximum=high, singleStep=0.5,
                                     value=r.growth_factor, suffix=" × first context")
        fixed_field(self.growth)
        self.min_calls = spin_field(r.min_calls, *_int_range("min_calls"), 1, " calls", "min_calls")
        self.recap = spin_field(r.recap_allowance, *_int_range("recap_allowance"), 1_000, " tokens", "recap")
        self.recap.setToolTip("What a fresh chat may re-read to catch up; re-reading above the first context plus"
                              " this is long-chat waste")
        self.cache_expiry = QCheckBox("Tell me when a paused chat's cache has expired", checked=r.cache_expiry)
        self.quiet = QCheckBox("Quiet hours: no reminders", objectName="quiet",
                               checked=r.quiet_start is not None and r.quiet_end is not None)
        self.quiet_start = time_field(r.quiet_start or "22:00", "quiet_start")
        self.quiet_end = time_field(r.quiet_end or "08:00", "quiet_end")
        self.budgets = {name: money_field(getattr(r, f"{name}_budget_usd"), name)
                        for name in ("daily", "weekly", "monthly")}
        for name, box in self.budgets.items():
            box.setMaximum(_range(f"{name}_budget_usd")[1])  # 0 reads "none": the schema wants above 0, or none
        goal_low, goal_high = _int_range("daily_output_goal")
        # one step under the schema's lowest reads "none" (no goal)
        self.output_goal = spin_field(r.daily_output_goal or goal_low - 1, goal_low - 1, goal_high, 10_000,
                                      " tokens", "output_goal")
        self.output_goal.setSpecialValueText("none")
        greyed_when_none(self.output_goal)
        form.addRow(self.fresh_chat)
        form.addRow("Context threshold", self.threshold)
        form.addRow("…and at least", self.growth)
        form.addRow("…after", self.min_calls)
        form.addRow("Recap allowance", self.recap)
        form.addRow(self.cache_expiry)
        form.addRow(self.quiet)
        form.addRow("Quiet from", self.quiet_start)
        form.addRow("Quiet until", self.quiet_end)
        for name, box in self.budgets.items():
            form.addRow(f"{name.capitalize()} budget", box)
        form.addRow("Daily output goal", self.output_goal)
        # what an unticked box switches off looks off
        for box, fields in ((self.fresh_chat, (self.threshold, self.growth, self.min_calls)),
                            (self.quiet, (self.quiet_start, self.quiet_end))):
            box.toggled.connect(lambda on, f=fields: [w.setEnabled(on) for w in f])
            for w in fields:
                w.setEnabled(box.isChecked())

    def read(self) -> Reminders:
        """The tab as a Reminders section; ValueError for quiet hours that start when they end."""
        quiet: list[str | None] = [None, None]
        if self.quiet.isChecked():
            quiet = [w.time().toString("HH:mm") for w in (self.quiet_start, self.quiet_end)]
            if quiet[0] == quiet[1]:
                raise ValueError("quiet hours: the start and the end are the same time")
        budgets = {f"{k}_budget_usd": (b.value() or None) for k, b in self.budgets.items()}
        return Reminders(fresh_chat=self.fresh_chat.isChecked(), context_threshold=self.threshold.value(),
                         growth_factor=self.growth.value(), min_calls=self.min_calls.value(),
                         recap_allowance=self.recap.value(), cache_expiry=self.cache_expiry.isChecked(),
                         quiet_start=quiet[0], quiet_end=quiet[1],
                         daily_output_goal=None if self.output_goal.value() == self.output_goal.minimum()
                         else self.output_goal.value(),
                         **budgets)


def _range(field: str) -> tuple[float, float]:
    """The schema's bounds for a reminder setting (every number there has both)."""
    low, high = bounds(Reminders, field)
    assert low is not None and high is not None
    return low, high


def _int_range(field: str) -> tuple[int, int]:
    low, high = _range(field)
    return int(low), int(high)
