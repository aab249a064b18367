"""The reminders shown (reminder_log, with whether a fresh chat followed) and the app's small saved state."""

import sqlalchemy as sa
from alembic import op

revision = "0004_reminders"
down_revision = "0003_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(), nullable=False, unique=True),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("chat_session.id"), nullable=True),
        sa.Column("project", sa.String(), nullable=True),
        sa.Column("shown_ms", sa.Integer(), nullable=False),
        sa.Column("followed_ms", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(), nullable=True),
    )
    op.create_index("ix_reminder_log_shown", "reminder_log", ["shown_ms"])
    op.create_table(
        "app_state",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_state")
    op.drop_index("ix_reminder_log_shown", "reminder_log")
    op.drop_table("reminder_log")
