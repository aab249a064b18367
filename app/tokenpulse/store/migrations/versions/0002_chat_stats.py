"""Per-chat waste figures (chat_stats), kept current by insights.chat_stats.refresh."""

import sqlalchemy as sa
from alembic import op

revision = "0002_chat_stats"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_stats",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("chat_session.id"), primary_key=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("chat_session.id"), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("first_context", sa.Integer(), nullable=False),
        sa.Column("peak_context", sa.Integer(), nullable=False),
        sa.Column("last_context", sa.Integer(), nullable=False),
        sa.Column("context_tokens", sa.Integer(), nullable=False),
        sa.Column("waste_tokens", sa.Integer(), nullable=False),
        sa.Column("waste_cost_usd", sa.Float(), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("waste_share", sa.Float(), nullable=True),
        sa.Column("family_cost_usd", sa.Float(), nullable=True),
        sa.Column("family_waste_cost_usd", sa.Float(), nullable=True),
        sa.Column("wrote_1h_cache", sa.Boolean(), nullable=False),
        sa.Column("recap_allowance", sa.Integer(), nullable=False),
        sa.Column("last_ms", sa.Integer(), nullable=False),
    )
    op.create_index("ix_chat_stats_parent", "chat_stats", ["parent_id"], sqlite_where=sa.text("parent_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_chat_stats_parent", "chat_stats")
    op.drop_table("chat_stats")
