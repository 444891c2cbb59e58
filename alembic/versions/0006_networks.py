"""City networks and their member cities

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('network',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('acronym', sa.String(length=20), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['organization.id'], name=op.f('fk_network_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network'))
    )
    op.create_table('network_city',
    sa.Column('network_id', sa.Uuid(), nullable=False),
    sa.Column('city_id', sa.Uuid(), nullable=False),
    sa.Column('joined_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_network_city_city_id_city'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_network_city_network_id_network'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('network_id', 'city_id', name=op.f('pk_network_city'))
    )
    with op.batch_alter_table('network_city', schema=None) as batch_op:
        batch_op.create_index('ix_network_city_city_id', ['city_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('network_city', schema=None) as batch_op:
        batch_op.drop_index('ix_network_city_city_id')

    op.drop_table('network_city')
    op.drop_table('network')
