"""performance: indexes for the hot queries and the page-cache stamps

Revision ID: 0006_performance
Revises: 0005_japanese
Create Date: 2026-11-27 02:00:00

Written by hand. Each part names the feature it serves.
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_performance'
down_revision = '0005_japanese'
branch_labels = None
depends_on = None


def upgrade():
    # --- page cache stamps (lms/core/stamps.py) ---
    op.create_table(
        'page_stamps',
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_page_stamps')),
    )
    # --- learning: events and progress ---
    op.create_index('ix_learning_events_course_user_timestamp', 'learning_events',
                    ['course_id', 'user_id', 'timestamp'], unique=False)
    # --- records and reports ---


def downgrade():
    # --- records and reports ---
    # --- learning: events and progress ---
    op.drop_index('ix_learning_events_course_user_timestamp', table_name='learning_events')
    # --- page cache stamps (lms/core/stamps.py) ---
    op.drop_table('page_stamps')
