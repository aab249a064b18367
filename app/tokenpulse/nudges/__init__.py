"""Reminders about wasteful chats and budgets: pure rules and policy over snapshots, plus their log."""
