"""Sign-offs record the signer as they were: display name, role and organisation at signing, and why
a revision was signed off with items missing or clarifications open.

Plain ADD COLUMN (no batch rebuild), so the append-only triggers on sign_offs stay in place.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = (
    ("by_name", sa.String(length=200)),
    ("by_role", sa.String(length=200)),
    ("by_organisation", sa.String(length=300)),
    ("open_items", sa.Text()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("sign_offs", sa.Column(name, type_, nullable=False, server_default=""))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("sign_offs", name)
