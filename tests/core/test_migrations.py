"""Migrations: one head, and the models match what the migrations build."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from lms.core.db import include_in_migrations
from lms.extensions import db, migrate


def test_single_head(app):
    with app.app_context():
        config = migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_models_match_the_migrated_schema(app):
    # The fixture database was built by running every migration on an empty database
    # (SQLite, or PostgreSQL with TEST_DATABASE_URL); it must equal the models.
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": False, "include_name": include_in_migrations})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff


def test_database_is_at_head(app):
    with app.app_context(), db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
        heads = ScriptDirectory.from_config(migrate.get_config()).get_heads()
    assert set(current) == set(heads)
