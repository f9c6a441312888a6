"""Worker start-up: heavy libraries load when first used, not when the app is built.

The speed itself is measured in bench/ (``bench/inprocess.py coldstart``); these tests guard
the cause: a module-level import of one of these libraries in any file that ``create_app``
reaches puts its import time back into every worker's start.
"""

import subprocess
import sys
import textwrap

from alembic.script import ScriptDirectory
from sqlalchemy import text

from lms.extensions import db, migrate

# Each is loaded only by the feature that needs it (PDFs, furigana, XLSX, migrations ...).
LOADED_ON_FIRST_USE = ("weasyprint", "sudachipy", "openpyxl", "jsonschema", "qrcode",
                       "alembic", "flask_migrate", "mako", "markdown_it")


def test_building_the_app_and_serving_a_page_loads_no_heavy_library(tmp_path):
    code = textwrap.dedent(f"""
        import json, sys
        from lms import create_app
        app = create_app({{"TESTING": True, "SECRET_KEY": "x",
                          "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "MEDIA_ROOT": {str(tmp_path / "media")!r}}})
        assert app.test_client().get("/healthz").status_code == 200
        print(json.dumps(sorted(m for m in {LOADED_ON_FIRST_USE!r} if m in sys.modules)))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_migration_commands_and_settings_work_without_importing_them_first(app, runner):
    settings = app.extensions["migrate"]
    assert settings.directory.endswith("migrations")
    assert settings.configure_args["render_as_batch"] is True
    assert settings.metadata is settings.db.metadata

    listing = runner.invoke(args=["db", "--help"])
    assert listing.exit_code == 0, listing.output
    assert "upgrade" in listing.output and "Perform database migrations." in listing.output
    # A command runs through to Alembic: the version row goes and comes back.
    assert runner.invoke(args=["db", "stamp", "base"]).exit_code == 0
    assert versions(app) == set()
    result = runner.invoke(args=["db", "stamp", "head"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        heads = ScriptDirectory.from_config(migrate.get_config()).get_heads()
    assert versions(app) == set(heads) and len(heads) == 1


def versions(app) -> set[str]:
    with app.app_context(), db.engine.connect() as conn:
        return set(conn.scalars(text("SELECT version_num FROM alembic_version")))


def test_markdown_renders_on_first_use():
    from lms.core.markdown import plain_text, render_markdown

    assert str(render_markdown("*hi* {漢字|かんじ}")) == (
        "<p><em>hi</em> <ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby></p>\n")
    assert plain_text("# Title\n\n{漢字|かんじ}") == "Title\n漢字"
