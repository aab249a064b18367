"""Operating-system glue behind small Qt-free functions (start at login, the desktop entry, the app's lock)."""
