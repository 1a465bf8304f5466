"""Evidence store: evidence files content-addressed by SHA-256 (bytes in the database), the
evidence records of each submission and the file each cites, and assessors' checks of them.

All three tables are append-only (triggers as in 0001): a stored file never changes, and a later
check supersedes an earlier one by being newer.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

TABLES = ("evidence_files", "submission_evidence", "evidence_checks")
FK_REFERENCED = ("evidence_files",)

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _append_only(dialect: str, table: str) -> list[str]:
    """The same guards 0001 puts on its append-only tables (its ``append_only_sql``)."""
    msg = f"{table} is append-only: rows cannot be changed or deleted"
    privileges = "DELETE, TRUNCATE" if table in FK_REFERENCED else "UPDATE, DELETE, TRUNCATE"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{msg}'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{msg}'); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dtac_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION dtac_append_only()",
            f"REVOKE {privileges} ON {table} FROM PUBLIC",
            f"REVOKE {privileges} ON {table} FROM CURRENT_USER",
        ]
    return []


def upgrade() -> None:
    op.create_table('evidence_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stored_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_evidence_files_sha256')),
    sa.ForeignKeyConstraint(['stored_by_id'], ['users.id'], name=op.f('fk_evidence_files_stored_by_id_users')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_evidence_files'))
    )
    op.create_table('submission_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('record_index', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=2000), nullable=True),
    sa.Column('claimed_sha256', sa.String(length=64), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('reused', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['evidence_files.sha256'], name=op.f('fk_submission_evidence_sha256_evidence_files')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_evidence_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_evidence')),
    sa.UniqueConstraint('submission_id', 'record_index', name=op.f('uq_submission_evidence_submission_id_record_index'))
    )
    with op.batch_alter_table('submission_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_evidence_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_evidence_submission_id'), ['submission_id'], unique=False)

    op.create_table('evidence_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('record_index', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('checked', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_label', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('verified', 'problem')", name=op.f('ck_evidence_checks_state')),
    sa.CheckConstraint('length(trim(checked)) >= 3', name=op.f('ck_evidence_checks_says_what')),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_evidence_checks_by_id_users')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_evidence_checks_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_checks'))
    )
    with op.batch_alter_table('evidence_checks', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_checks_submission_id_record_index', ['submission_id', 'record_index'], unique=False)

    dialect = op.get_bind().dialect.name
    for table in TABLES:
        for stmt in _append_only(dialect, table):
            op.execute(stmt)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    with op.batch_alter_table('evidence_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_checks_submission_id_record_index')
    op.drop_table('evidence_checks')
    with op.batch_alter_table('submission_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_evidence_submission_id'))
        batch_op.drop_index(batch_op.f('ix_submission_evidence_sha256'))
    op.drop_table('submission_evidence')
    op.drop_table('evidence_files')
