"""The tray app's engine without Qt: its one ingest worker, the worker's commands and events, and its chores."""
