"""Source health (source_health): when each source's files last changed, its newest counted call, changes that
brought no call, and the lines its last scans skipped by reason.

A store that already holds calls is seeded from them, so that a source whose format changes right after the
upgrade is told as gone quiet: its newest call stands for the newest change that brought one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_source_health"
down_revision = "0006_git_work"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_health",
        sa.Column("source", sa.String(), primary_key=True),
        sa.Column("last_change_ms", sa.Integer(), nullable=True),
        sa.Column("last_call_ms", sa.Integer(), nullable=True),
        sa.Column("last_counted_ms", sa.Integer(), nullable=True),
        sa.Column("counted_change_ms", sa.Integer(), nullable=True),
        sa.Column("quiet_since_ms", sa.Integer(), nullable=True),
        sa.Column("last_uncounted_ms", sa.Integer(), nullable=True),
        sa.Column("recent_skips", sa.String(), nullable=False),
        sa.Column("updated_ms", sa.Integer(), nullable=False),
    )
    op.execute("""
        INSERT INTO source_health (source, last_change_ms, last_call_ms, counted_change_ms, recent_skips, updated_ms)
        SELECT f.source, f.changed_ms, c.last_ms, c.last_ms, '[]', 0
        FROM (SELECT source, max(mtime_ns) / 1000000 AS changed_ms FROM source_file GROUP BY source) AS f
        LEFT JOIN (SELECT source, max(ts_ms) AS last_ms FROM api_call GROUP BY source) AS c USING (source)
    """)


def downgrade() -> None:
    op.drop_table("source_health")
