"""Sub-agent chats found by an index (source, parent_key), and no branch names kept (privacy: counts, models,
times, ids and project folders only)."""

import sqlalchemy as sa
from alembic import op

revision = "0005_store_shape"
down_revision = "0004_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("PRAGMA secure_delete=ON")  # the pages that held branch names are zeroed, not just freed
    with op.batch_alter_table("chat_session") as batch:
        batch.drop_column("git_branch")
    op.create_index("ix_chat_session_parent", "chat_session", ["source", "parent_key"],
                    sqlite_where=sa.text("parent_key IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_chat_session_parent", "chat_session")
    with op.batch_alter_table("chat_session") as batch:
        batch.add_column(sa.Column("git_branch", sa.String(), nullable=True))
