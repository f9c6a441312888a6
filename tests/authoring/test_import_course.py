"""`lms import-course` and the demo data load the sample courses from courses/."""

import shutil

import pytest
from sqlalchemy import func, select

from lms.authoring.models import Item, ModuleVersion
from lms.catalog.models import Course
from lms.extensions import db
from tests.conftest import PROJECT_ROOT

COURSES = PROJECT_ROOT / "courses"


def test_demo_loads_the_three_sample_courses_with_every_item_kind(app, runner):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        codes = set(db.session.scalars(select(Course.code)))
        kinds = set(db.session.scalars(select(Item.kind)))
    assert {"GD101", "AN101", "JP-N5"} <= codes
    assert kinds == {"page", "video", "asset", "quiz", "assignment", "html5", "scorm"}


def test_import_course_twice_changes_nothing(app, runner):
    runner.invoke(args=["lms", "demo"])  # accounts the course names as instructors
    again = runner.invoke(args=["lms", "import-course", str(COURSES / "game-dev-fundamentals")])
    assert again.exit_code == 0, again.output
    assert "Nothing changed." in again.output
    with app.app_context():
        versions = db.session.scalar(select(func.count()).select_from(ModuleVersion))
        assert db.session.scalar(select(func.max(ModuleVersion.number))) == 1
    assert versions > 0


def test_changed_page_makes_a_new_version_of_that_module_only(app, runner, tmp_path):
    runner.invoke(args=["lms", "demo"])
    copy = tmp_path / "game-dev-fundamentals"
    shutil.copytree(COURSES / "game-dev-fundamentals", copy)
    page = copy / "01-game-loop" / "pages" / "game-loop.en.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    result = runner.invoke(args=["lms", "import-course", str(copy)])
    assert result.exit_code == 0, result.output
    assert "version 2 (new version)" in result.output
    assert result.output.count("(new version)") == 1


def test_broken_course_reports_every_problem_and_stores_nothing(app, runner, tmp_path):
    runner.invoke(args=["lms", "demo"])
    copy = tmp_path / "broken"
    shutil.copytree(COURSES / "japanese-n5", copy)
    (copy / "01-hiragana" / "module.yaml").write_text("format: nope\n", encoding="utf-8")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ModuleVersion))
    result = runner.invoke(args=["lms", "import-course", str(copy)])
    assert result.exit_code != 0
    assert "broken/01-hiragana/module.yaml line 1" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModuleVersion)) == before


@pytest.mark.parametrize("folder", ["game-dev-fundamentals", "animation-principles",
                                    "japanese-n5"])
def test_sample_course_items_open_for_an_enrolled_student(app, runner, client, folder):
    """Every item of the sample course opens, with its title, for an enrolled demo student."""
    from lms.authoring.models import Module
    from lms.authoring.packages import parse_course

    code = parse_course(COURSES / folder).code
    runner.invoke(args=["lms", "demo"])
    client.post("/auth/login", data={"email": "aziz.karimov@student.jdu.example",
                                     "password": app.config["DEMO_PASSWORD"]})
    with app.app_context():
        items = db.session.execute(
            select(Item.id, Item.title).join(Module, Module.current_version_id == Item.version_id)
            .join(Course, Course.id == Module.course_id).where(Course.code == code)).all()
    assert len(items) >= 8
    for item_id, title in items:
        response = client.get(f"/learning/items/{item_id}")
        assert response.status_code == 200, item_id
        assert title["en"].split(":")[0] in response.get_data(as_text=True)
