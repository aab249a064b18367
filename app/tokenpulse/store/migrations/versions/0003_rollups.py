"""Pre-aggregated usage for the charts: per chat and UTC quarter-hour, per chat, and per local hour of the
settings' zone."""

import sqlalchemy as sa
from alembic import op

revision = "0003_rollups"
down_revision = "0002_chat_stats"
branch_labels = None
depends_on = None


def _sums() -> list[sa.Column]:
    return [
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("input", sa.Integer(), nullable=False),
        sa.Column("cache_write", sa.Integer(), nullable=False),
        sa.Column("cache_read", sa.Integer(), nullable=False),
        sa.Column("output", sa.Integer(), nullable=False),
        sa.Column("reasoning", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("unpriced_calls", sa.Integer(), nullable=False),
        sa.Column("input_cost", sa.Float(), nullable=True),
        sa.Column("cache_write_cost", sa.Float(), nullable=True),
        sa.Column("cache_read_cost", sa.Float(), nullable=True),
        sa.Column("output_cost", sa.Float(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "usage_rollup",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("chat_session.id"), nullable=False),
        sa.Column("bucket_ms", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint("session_id", "bucket_ms", "model"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_usage_rollup_bucket", "usage_rollup", ["bucket_ms"])
    op.create_table(
        "usage_local_hour",
        sa.Column("local_day", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint("local_day", "source", "model", "hour"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "usage_chat",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("chat_session.id"), primary_key=True),
        sa.Column("first_ms", sa.Integer(), nullable=False),
        sa.Column("last_ms", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("input", sa.Integer(), nullable=False),
        sa.Column("cache_write", sa.Integer(), nullable=False),
        sa.Column("cache_read", sa.Integer(), nullable=False),
        sa.Column("output", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=True),
    )
    op.create_index("ix_usage_chat_last", "usage_chat", ["last_ms"])
    # Existing stores are filled at start-up by insights.hooks.bring_up_to_date (rollups.refresh_stale).


def downgrade() -> None:
    op.drop_index("ix_usage_chat_last", "usage_chat")
    op.drop_table("usage_chat")
    op.drop_table("usage_local_hour")
    op.drop_index("ix_usage_rollup_bucket", "usage_rollup")
    op.drop_table("usage_rollup")
