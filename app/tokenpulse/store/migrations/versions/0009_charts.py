"""Long-chat waste and cache-read spend per chat and quarter-hour (waste_rollup) and per quarter-hour
(waste_quarter), for the charts' waste layer, the waste per project and "where the money went"; and
usage_local_hour summed per local day (usage_local_day), which the charts' days read.

All derived: existing stores fill the waste tables at start-up (insights.hooks.bring_up_to_date finds the
chats whose quarter-hours are missing and recomputes their figures); usage_local_day is summed here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_charts"
down_revision = "0008_limits"
branch_labels = None
depends_on = None


def _costs() -> list[sa.Column]:
    return [
        sa.Column("waste_tokens", sa.Integer(), nullable=False),
        sa.Column("waste_cost_usd", sa.Float(), nullable=True),
        sa.Column("read_cost_usd", sa.Float(), nullable=True),
        sa.Column("long_context_read_cost_usd", sa.Float(), nullable=True),
        sa.Column("long_chat_read_cost_usd", sa.Float(), nullable=True),
    ]


_SUMS = ("calls", "input", "cache_write", "cache_read", "output", "reasoning", "cost_usd", "unpriced_calls",
         "input_cost", "cache_write_cost", "cache_read_cost", "output_cost")


def _sums() -> list[sa.Column]:
    nullable = {"cost_usd", "input_cost", "cache_write_cost", "cache_read_cost", "output_cost"}
    return [sa.Column(c, sa.Float() if c in nullable else sa.Integer(), nullable=c in nullable) for c in _SUMS]


def upgrade() -> None:
    op.create_table(
        "waste_rollup",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("chat_session.id"), nullable=False),
        sa.Column("bucket_ms", sa.Integer(), nullable=False),
        sa.Column("top_level", sa.Boolean(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        *_costs(),
        sa.PrimaryKeyConstraint("session_id", "bucket_ms"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_waste_rollup_bucket", "waste_rollup", ["bucket_ms"])
    op.create_table(
        "usage_local_day",
        sa.Column("local_day", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("zone", sa.String(), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint("local_day", "source", "model"),
        sqlite_with_rowid=False,
    )
    sums = ", ".join(_SUMS)
    op.execute(f"INSERT INTO usage_local_day (local_day, source, model, zone, {sums})"
               f" SELECT local_day, source, model, min(zone), {', '.join(f'sum({c})' for c in _SUMS)}"
               " FROM usage_local_hour GROUP BY local_day, source, model")
    op.create_table(
        "waste_quarter",
        sa.Column("bucket_ms", sa.Integer(), primary_key=True),
        sa.Column("chats", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        *_costs(),
    )


def downgrade() -> None:
    op.drop_table("waste_quarter")
    op.drop_table("usage_local_day")
    op.drop_index("ix_waste_rollup_bucket", "waste_rollup")
    op.drop_table("waste_rollup")
