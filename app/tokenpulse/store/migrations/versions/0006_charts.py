"""Long-chat waste and cache-read spend per chat and quarter-hour (waste_rollup) and per quarter-hour
(waste_quarter), for the charts' waste layer, the waste per project and "where the money went".

Both are derived: existing stores fill them at start-up (insights.hooks.bring_up_to_date finds the chats
whose quarter-hours are missing and recomputes their figures).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_charts"
down_revision = "0005_store_shape"
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
        "waste_quarter",
        sa.Column("bucket_ms", sa.Integer(), primary_key=True),
        sa.Column("chats", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        *_costs(),
    )


def downgrade() -> None:
    op.drop_table("waste_quarter")
    op.drop_index("ix_waste_rollup_bucket", "waste_rollup")
    op.drop_table("waste_rollup")
