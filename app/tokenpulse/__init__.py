"""tokenpulse: a private tracker of the tokens AI coding agents spend, read from their local logs."""

__version__ = "0.2.0"
