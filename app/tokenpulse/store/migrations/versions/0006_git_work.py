"""The work read from git, as counts: the repositories of the project folders (git_repo), the user's commits in
them (git_commit: id, author time, lines added and removed, files changed) and which repository each project
folder lies in (project_repo). Never a commit message, a file name, a branch name or an e-mail address."""

import sqlalchemy as sa
from alembic import op

revision = "0006_git_work"
down_revision = "0005_store_shape"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "git_repo",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("git_dir", sa.String(), nullable=False, unique=True),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("tips", sa.String(), nullable=False),
        sa.Column("identities_digest", sa.String(), nullable=False),
        sa.Column("settings_digest", sa.String(), nullable=False),
        sa.Column("config_stamp", sa.String(), nullable=False),
        sa.Column("horizon_ms", sa.Integer(), nullable=True),
        sa.Column("reader_version", sa.Integer(), nullable=False),
        sa.Column("scanned_ms", sa.Integer(), nullable=False),
    )
    op.create_table(
        "git_commit",
        sa.Column("repo_id", sa.Integer(), sa.ForeignKey("git_repo.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sha", sa.LargeBinary(), nullable=False),
        sa.Column("author_ms", sa.Integer(), nullable=False),
        sa.Column("lines_added", sa.Integer(), nullable=False),
        sa.Column("lines_removed", sa.Integer(), nullable=False),
        sa.Column("files_changed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("repo_id", "sha"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_git_commit_time", "git_commit", ["repo_id", "author_ms"])
    op.create_table(
        "project_repo",
        sa.Column("project", sa.String(), primary_key=True),
        sa.Column("repo_id", sa.Integer(), sa.ForeignKey("git_repo.id", ondelete="SET NULL"), nullable=True),
        sa.Column("problem", sa.String(), nullable=True),
        sa.Column("checked_ms", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("project_repo")
    op.drop_index("ix_git_commit_time", "git_commit")
    op.drop_table("git_commit")
    op.drop_table("git_repo")
