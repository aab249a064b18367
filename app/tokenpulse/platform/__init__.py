"""Operating-system glue behind small Qt-free functions (start at login)."""
