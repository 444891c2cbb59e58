"""Emissions reports, versions, verification requests and decisions, API clients, idempotency keys

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_client',
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('revoked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_api_client_company_id_company'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_client_key_hash'))
    )
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_client_company_id'), ['company_id'], unique=False)

    op.create_table('emissions_report',
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('reporting_year', sa.Integer(), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'verified', 'rejected', name='reportstatus', native_enum=False, length=32), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_emissions_report_company_id_company'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emissions_report')),
    sa.UniqueConstraint('company_id', 'reporting_year', name=op.f('uq_emissions_report_company_id_reporting_year'))
    )
    op.create_table('idempotency_key',
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_idempotency_key_company_id_company'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
    sa.UniqueConstraint('company_id', 'key', name=op.f('uq_idempotency_key_company_id_key'))
    )
    op.create_table('report_version',
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('submitted_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.Uuid(), nullable=True),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['emissions_report.id'], name=op.f('fk_report_version_report_id_emissions_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_version')),
    sa.UniqueConstraint('report_id', 'version', name=op.f('uq_report_version_report_id_version'))
    )
    op.create_table('verification',
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('verifier_id', sa.Uuid(), nullable=False),
    sa.Column('outcome', sa.Enum('verified', 'rejected', name='outcome', native_enum=False, length=32), nullable=False),
    sa.Column('assurance_level', sa.Enum('limited', 'reasonable', name='assurancelevel', native_enum=False, length=32), nullable=False),
    sa.Column('standard', sa.String(length=200), nullable=True),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['emissions_report.id'], name=op.f('fk_verification_report_id_emissions_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verifier_id'], ['verifier.id'], name=op.f('fk_verification_verifier_id_verifier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification')),
    sa.UniqueConstraint('report_id', 'version', name=op.f('uq_verification_report_id_version'))
    )
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_verifier_id'), ['verifier_id'], unique=False)

    op.create_table('verification_request',
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('verifier_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('open', 'decided', 'superseded', name='requeststatus', native_enum=False, length=32), nullable=False),
    sa.Column('requested_by', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['emissions_report.id'], name=op.f('fk_verification_request_report_id_emissions_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verifier_id'], ['verifier.id'], name=op.f('fk_verification_request_verifier_id_verifier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_request'))
    )
    with op.batch_alter_table('verification_request', schema=None) as batch_op:
        batch_op.create_index('ix_verification_request_report_id_version', ['report_id', 'version'], unique=False)
        batch_op.create_index('ix_verification_request_verifier_id_status', ['verifier_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('verification_request', schema=None) as batch_op:
        batch_op.drop_index('ix_verification_request_verifier_id_status')
        batch_op.drop_index('ix_verification_request_report_id_version')

    op.drop_table('verification_request')
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_verifier_id'))

    op.drop_table('verification')
    op.drop_table('report_version')
    op.drop_table('idempotency_key')
    op.drop_table('emissions_report')
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_client_company_id'))

    op.drop_table('api_client')
