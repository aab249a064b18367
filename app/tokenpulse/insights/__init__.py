"""Figures derived from the ledger: per-chat context waste, its cost, and the live status of chats."""
