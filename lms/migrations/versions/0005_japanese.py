"""japanese: profiles, furigana overrides, JLPT certifications, decks and FSRS state

Revision ID: 0005_japanese
Revises: 0004_records
Create Date: 2026-11-27 00:00:00

Written by hand: these tables only.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0005_japanese'
down_revision = '0004_records'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade():
    op.create_table(
        'japanese_profiles',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('jlpt_level', sa.String(length=2), nullable=True),
        sa.Column('furigana', sa.String(length=20), nullable=False),
        sa.Column('new_cards_per_day', sa.Integer(), nullable=False),
        sa.Column('streak_days', sa.Integer(), nullable=False),
        sa.Column('last_review_on', sa.Date(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_japanese_profiles_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_japanese_profiles')),
    )
    op.create_table(
        'furigana_overrides',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('surface', sa.String(length=100), nullable=False),
        sa.Column('reading', sa.String(length=200), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_furigana_overrides_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_furigana_overrides')),
        sa.UniqueConstraint('surface', name=op.f('uq_furigana_overrides_surface')),
    )
    op.create_table(
        'jlpt_certifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=2), nullable=False),
        sa.Column('exam_date', sa.Date(), nullable=False),
        sa.Column('section_scores', JSON, nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('cefr', sa.String(length=2), nullable=True),
        sa.Column('registration_number', sa.String(length=40), nullable=True),
        sa.Column('evidence_path', sa.String(length=400), nullable=False),
        sa.Column('evidence_name', sa.String(length=255), nullable=False),
        sa.Column('verified', sa.Boolean(), nullable=False),
        sa.Column('verified_by_id', sa.Integer(), nullable=True),
        sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rejected_reason', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_jlpt_certifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'],
                                name=op.f('fk_jlpt_certifications_verified_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jlpt_certifications')),
    )
    with op.batch_alter_table('jlpt_certifications', schema=None) as batch_op:
        batch_op.create_index('ix_jlpt_certifications_user_level', ['user_id', 'level'],
                              unique=False)

    op.create_table(
        'decks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('title', JSON, nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('jlpt_level', sa.String(length=2), nullable=True),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'],
                                name=op.f('fk_decks_course_id_courses'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_decks_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_decks')),
        sa.UniqueConstraint('code', name=op.f('uq_decks_code')),
    )
    with op.batch_alter_table('decks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decks_course_id'), ['course_id'], unique=False)

    op.create_table(
        'deck_cards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deck_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('front', sa.String(length=200), nullable=False),
        sa.Column('reading', sa.String(length=200), nullable=False),
        sa.Column('meaning', JSON, nullable=False),
        sa.Column('example', sa.Text(), nullable=False),
        sa.Column('tags', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['deck_id'], ['decks.id'],
                                name=op.f('fk_deck_cards_deck_id_decks'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deck_cards')),
        sa.UniqueConstraint('deck_id', 'front', 'reading',
                            name=op.f('uq_deck_cards_deck_id_front_reading')),
    )
    with op.batch_alter_table('deck_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deck_cards_deck_id'), ['deck_id'], unique=False)

    op.create_table(
        'deck_students',
        sa.Column('deck_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['deck_id'], ['decks.id'],
                                name=op.f('fk_deck_students_deck_id_decks'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_deck_students_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('deck_id', 'user_id', name=op.f('pk_deck_students')),
    )
    with op.batch_alter_table('deck_students', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deck_students_user_id'), ['user_id'], unique=False)

    op.create_table(
        'study_cards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.Integer(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=True),
        sa.Column('stability', sa.Double(), nullable=True),
        sa.Column('difficulty', sa.Double(), nullable=True),
        sa.Column('due', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_review', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reps', sa.Integer(), nullable=False),
        sa.Column('lapses', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['card_id'], ['deck_cards.id'],
                                name=op.f('fk_study_cards_card_id_deck_cards'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_study_cards_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_study_cards')),
        sa.UniqueConstraint('user_id', 'card_id', name=op.f('uq_study_cards_user_id_card_id')),
    )
    with op.batch_alter_table('study_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_cards_card_id'), ['card_id'], unique=False)
        batch_op.create_index('ix_study_cards_user_due', ['user_id', 'due'], unique=False)

    op.create_table(
        'card_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('study_card_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.Column('typed_answer', sa.String(length=200), nullable=True),
        sa.Column('typed_correct', sa.Boolean(), nullable=True),
        sa.Column('due_after', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['study_card_id'], ['study_cards.id'],
                                name=op.f('fk_card_reviews_study_card_id_study_cards'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_card_reviews_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_card_reviews')),
    )
    with op.batch_alter_table('card_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_reviews_study_card_id'), ['study_card_id'],
                              unique=False)
        batch_op.create_index('ix_card_reviews_user_time', ['user_id', 'reviewed_at'],
                              unique=False)

    op.create_table(
        'course_content_texts',
        sa.Column('module_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'],
                                name=op.f('fk_course_content_texts_course_id_courses'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['module_id'], ['modules.id'],
                                name=op.f('fk_course_content_texts_module_id_modules'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('module_id', name=op.f('pk_course_content_texts')),
    )
    with op.batch_alter_table('course_content_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_content_texts_course_id'), ['course_id'],
                              unique=False)
    # Substring search over course content that works for Japanese (see 0002's
    # course_search); names start with the prefixes core.db.HAND_MADE_OBJECTS skips.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE course_search_content USING fts5(text, "
                   "tokenize='trigram')")
    else:
        # Two processes migrating at once (test workers, app nodes) would both try to
        # create the extension: IF NOT EXISTS does not stop that race. The lock, held to
        # the end of the migration's transaction, lets one in at a time.
        op.execute("SELECT pg_advisory_xact_lock(7412058)")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        op.execute("CREATE INDEX ix_courses_search_trgm_content ON course_content_texts "
                   "USING gin (text public.gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS course_search_content")
    else:
        op.execute("DROP INDEX IF EXISTS ix_courses_search_trgm_content")
    op.drop_table('course_content_texts')
    for table in ('card_reviews', 'study_cards', 'deck_students', 'deck_cards', 'decks',
                  'jlpt_certifications', 'furigana_overrides', 'japanese_profiles'):
        op.drop_table(table)
