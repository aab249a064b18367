"""Alembic environment: migrates the SQLite file named in the config, in one transaction."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import tokenpulse.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
engine = create_engine(config.get_main_option("sqlalchemy.url"))
try:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()  # also after a failure: no connection may keep the file (or its -wal) open
