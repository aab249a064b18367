"""The SQLite ledger: every counted API call, the sessions they belong to, and a cursor per log file."""
