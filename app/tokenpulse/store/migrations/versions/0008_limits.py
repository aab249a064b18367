"""Plan limits (issue 11): the providers' own usage snapshots of the 5-hour and weekly windows with their
history, the limit hits, and each chat's context window as its agent stated it.

The logs already read hold readings too: a marker in app_state asks the next writer to take them from the lines
before each cursor (ingest.limit_inputs.backfill), without reading any call again."""

import sqlalchemy as sa
from alembic import op

revision = "0008_limits"
down_revision = "0007_source_health"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "context_window",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("session_key", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=True),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("seen_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "session_key"),
    )
    op.create_index("ix_context_window_model", "context_window", ["model", "seen_ms"])
    op.create_table(
        "limit_hit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("ts_ms", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("window_minutes", sa.Integer(), nullable=True),
        sa.Column("resets_ms", sa.Integer(), nullable=True),
        sa.Column("session_key", sa.String(), nullable=True),
        sa.UniqueConstraint("source", "kind", "ts_ms"),
    )
    op.create_index("ix_limit_hit_ts", "limit_hit", ["ts_ms"])
    op.create_table(
        "limit_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.Column("observed_ms", sa.Integer(), nullable=False),
        sa.Column("seen_ms", sa.Integer(), nullable=False),
        sa.Column("used_percent", sa.Float(), nullable=False),
        sa.Column("resets_ms", sa.Integer(), nullable=True),
        sa.Column("plan", sa.String(), nullable=True),
        sa.Column("via", sa.String(), nullable=False),
        sa.UniqueConstraint("source", "scope", "window_minutes", "observed_ms"),
    )
    op.create_index("ix_limit_snapshot_seen", "limit_snapshot", ["seen_ms"])
    op.execute("INSERT OR REPLACE INTO app_state (key, value) VALUES ('limits_backfill', 'pending')")


def downgrade() -> None:
    op.execute("DELETE FROM app_state WHERE key = 'limits_backfill'")
    op.drop_index("ix_limit_snapshot_seen", "limit_snapshot")
    op.drop_table("limit_snapshot")
    op.drop_index("ix_limit_hit_ts", "limit_hit")
    op.drop_table("limit_hit")
    op.drop_index("ix_context_window_model", "context_window")
    op.drop_table("context_window")
