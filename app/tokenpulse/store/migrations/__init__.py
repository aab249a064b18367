"""Alembic migration scripts for the ledger schema."""
