"""The alembic revision the code expects; kept import-free so the scan path can check it cheaply."""

HEAD_REVISION = "0009_charts"
