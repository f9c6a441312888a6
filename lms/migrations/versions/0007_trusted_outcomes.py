"""trusted outcomes: provenance on events, progress and course results; launches; the
study clock; which provenances a course trusts

Revision ID: 0007_trusted_outcomes
Revises: 0006_performance
Create Date: 2026-12-07 23:30:00

Written by hand. Rows recorded before this revision keep provenance NULL: nothing trusts
them until they are recorded again (docs/trusted-outcomes.md).
"""
from alembic import op
import sqlalchemy as sa

from sqlalchemy.dialects import postgresql

revision = '0007_trusted_outcomes'
down_revision = '0006_performance'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade():
    with op.batch_alter_table('learning_events') as batch:
        batch.add_column(sa.Column('provenance', sa.String(length=20), nullable=True))
    with op.batch_alter_table('item_progress') as batch:
        batch.add_column(sa.Column('provenance', sa.String(length=20), nullable=True))
    with op.batch_alter_table('course_results') as batch:
        batch.alter_column('score', existing_type=sa.Float(), nullable=True)
        batch.add_column(sa.Column('provenance', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('evidence', JSON, nullable=True))
        batch.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('courses') as batch:
        batch.add_column(sa.Column('trusted_provenance', JSON, nullable=True))
    op.create_table(
        'launches',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('module_id', sa.Integer(), nullable=False),
        sa.Column('item_key', sa.String(length=64), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_launches_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_launches_item_id_items'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['module_id'], ['modules.id'],
                                name=op.f('fk_launches_module_id_modules'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_launches')),
    )
    op.create_index('ix_launches_user_item', 'launches', ['user_id', 'item_key', 'module_id'])
    op.create_table(
        'study_clocks',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('counted_until', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_study_clocks_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_study_clocks')),
    )


def downgrade():
    op.drop_table('study_clocks')
    op.drop_index('ix_launches_user_item', table_name='launches')
    op.drop_table('launches')
    with op.batch_alter_table('courses') as batch:
        batch.drop_column('trusted_provenance')
    with op.batch_alter_table('course_results') as batch:
        batch.drop_column('updated_at')
        batch.drop_column('evidence')
        batch.drop_column('provenance')
        batch.alter_column('score', existing_type=sa.Float(), nullable=False)
    with op.batch_alter_table('item_progress') as batch:
        batch.drop_column('provenance')
    with op.batch_alter_table('learning_events') as batch:
        batch.drop_column('provenance')
