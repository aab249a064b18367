"""The first schema: source files with cursors, chat sessions, API calls and cached model prices."""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False, unique=True),
        sa.Column("device", sa.Integer(), nullable=False),
        sa.Column("inode", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mtime_ns", sa.Integer(), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.Column("tail_hash", sa.LargeBinary(), nullable=True),
        sa.Column("parser_state", sa.String(), nullable=True),
        sa.Column("lines_skipped", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Boolean(), nullable=False),
        sa.Column("updated_ms", sa.Integer(), nullable=False),
    )
    op.create_table(
        "chat_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("session_key", sa.String(), nullable=False),
        sa.Column("parent_key", sa.String(), nullable=True),
        sa.Column("project", sa.String(), nullable=True),
        sa.Column("git_branch", sa.String(), nullable=True),
        sa.Column("first_ms", sa.Integer(), nullable=False),
        sa.Column("last_ms", sa.Integer(), nullable=False),
        sa.Column("models", sa.String(), nullable=False),
        sa.UniqueConstraint("source", "session_key"),
    )
    op.create_table(
        "api_call",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dedupe_key", sa.LargeBinary(), nullable=False, unique=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("chat_session.id"), nullable=False),
        sa.Column("ts_ms", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("input", sa.Integer(), nullable=False),
        sa.Column("cache_write_5m", sa.Integer(), nullable=False),
        sa.Column("cache_write_1h", sa.Integer(), nullable=False),
        sa.Column("cache_read", sa.Integer(), nullable=False),
        sa.Column("output", sa.Integer(), nullable=False),
        sa.Column("reasoning", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("message_hash", sa.Integer(), nullable=True),
        sa.Column("is_sidechain", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_api_call_ts", "api_call", ["ts_ms"])
    op.create_index("ix_api_call_session_ts", "api_call", ["session_id", "ts_ms"])
    op.create_index("ix_api_call_message_hash", "api_call", ["message_hash"],
                    sqlite_where=sa.text("message_hash IS NOT NULL"))
    op.create_table(
        "model_price",
        sa.Column("model", sa.String(), primary_key=True),
        sa.Column("day", sa.String(), primary_key=True),
        sa.Column("rates", sa.String(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("model_price")
    op.drop_index("ix_api_call_message_hash", "api_call")
    op.drop_index("ix_api_call_session_ts", "api_call")
    op.drop_index("ix_api_call_ts", "api_call")
    op.drop_table("api_call")
    op.drop_table("chat_session")
    op.drop_table("source_file")
