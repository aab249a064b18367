"""Alembic revisions, one per released schema version."""
