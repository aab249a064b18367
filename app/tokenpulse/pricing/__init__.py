"""Offline cost of each API call: per-token rates from genai-prices, cached per model and day, with overrides."""
