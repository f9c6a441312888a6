"""Grade scales: every boundary score under the Japanese table and both Uzbek tables,
dated selection, and the rules for editing scales."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.core.errors import Conflict, ValidationError
from lms.extensions import db
from lms.records import results, scales, services
from lms.records.models import GradeScale
from tests.factories import ensure_reference_data
from tests.records.conftest import completed, course_with, enrol, finalise, institution


def scale(code: str) -> GradeScale:
    return db.session.scalar(select(GradeScale).where(GradeScale.code == code))


JAPANESE = [  # score, grade, label, grade points, passed
    (100, "S", "秀", 4, True), (90, "S", "秀", 4, True), (89.99, "A", "優", 3, True),
    (89, "A", "優", 3, True), (80, "A", "優", 3, True), (79, "B", "良", 2, True),
    (70, "B", "良", 2, True), (69, "C", "可", 1, True), (60, "C", "可", 1, True),
    (59, "F", "不可", 0, False), (0, "F", "不可", 0, False),
]
UZBEK_2018 = [  # order 19-2018: 90 / 70 / 60
    (100, "5", "aʼlo", True), (90, "5", "aʼlo", True), (89, "4", "yaxshi", True),
    (80, "4", "yaxshi", True), (79, "4", "yaxshi", True), (70, "4", "yaxshi", True),
    (69, "3", "qoniqarli", True), (60, "3", "qoniqarli", True),
    (59, "2", "qoniqarsiz", False), (0, "2", "qoniqarsiz", False),
]
UZBEK_OLD = [  # the older bands 86 / 71 / 55
    (90, "5", True), (89, "5", True), (86, "5", True), (85, "4", True), (80, "4", True),
    (79, "4", True), (71, "4", True), (70, "3", True), (69, "3", True), (60, "3", True),
    (59, "3", True), (55, "3", True), (54, "2", False), (0, "2", False),
]


@pytest.fixture
def seeded(app):
    with app.app_context():
        scales.seed_grade_scales(None)
        yield


@pytest.mark.parametrize("score, grade, label, points, passed", JAPANESE)
def test_japanese_boundaries(seeded, score, grade, label, points, passed):
    band = scales.band_for(score, scale("JP-SABCF"))
    assert (band.grade, band.labels["ja"], band.points, band.passing) == (
        grade, label, Decimal(points), passed)


@pytest.mark.parametrize("score, grade, label, passed", UZBEK_2018)
def test_uzbek_order_19_2018_boundaries(seeded, score, grade, label, passed):
    band = scales.band_for(score, scale("UZ-19-2018"))
    assert (band.grade, band.labels["uz"], band.points, band.passing) == (
        grade, label, Decimal(grade), passed)


@pytest.mark.parametrize("score, grade, passed", UZBEK_OLD)
def test_older_uzbek_bands(seeded, score, grade, passed):
    band = scales.band_for(score, scale("UZ-86-71-55"))
    assert (band.grade, band.passing) == (grade, passed)


@pytest.mark.parametrize("score", [-1, 100.01, 150])
def test_scores_outside_0_100_are_refused(seeded, score):
    with pytest.raises(ValidationError, match="from 0 to 100"):
        scales.band_for(score, scale("JP-SABCF"))


def test_the_scale_in_force_on_the_day_is_used(app, seeded):
    ensure_reference_data()
    jdu, tut = institution("JDU"), institution("TUT")
    assert scales.scale_for(jdu, date(2017, 6, 1)).code == "UZ-86-71-55"
    assert scales.scale_for(jdu, date(2018, 8, 31)).code == "UZ-86-71-55"
    assert scales.scale_for(jdu, date(2018, 9, 1)).code == "UZ-19-2018"
    assert scales.scale_for(tut, date(2026, 12, 1)).code == "JP-SABCF"
    with pytest.raises(ValidationError, match="No grade scale of JDU is in force on 2001"):
        scales.scale_for(jdu, date(2001, 1, 1))


def test_a_scale_of_one_institution_wins_over_its_countrys(app, seeded):
    ensure_reference_data()
    own = scales.save_scale(scales.ScaleFields(
        code="TUT-2026", country="JP", institution="TUT", name={"en": "TUT's own"},
        valid_from=date(2026, 4, 1),
        bands=scales.parse_bands("85, S, 4, pass, 秀\n0, F, 0, fail, 不可")), None)
    assert scales.scale_for(institution("TUT"), date(2026, 12, 1)).id == own.id
    assert scales.scale_for(institution("TUT"), date(2026, 3, 31)).code == "JP-SABCF"
    assert scales.band_for(86, own).grade == "S"


def test_the_date_a_grade_is_awarded_picks_the_table(app, world):
    # 70 is a 3 under the older 86/71/55 bands and a 4 under order 19-2018.
    with app.app_context():
        course = course_with("OLD1", jdu=3, tut=0)
        enrol(course, world.student_id)
        old = results.finalise_result(
            completed(world.student_id, course, 70, datetime(2017, 12, 1, tzinfo=UTC)), None)
        record = services.records_of_result(old)[0]
        assert (record.grade, record.scale.code) == ("3", "UZ-86-71-55")
        new = finalise(world.other_student_id, course, 70)
        record = services.records_of_result(new)[0]
        assert (record.grade, record.scale.code) == ("4", "UZ-19-2018")


def test_seeding_twice_changes_nothing(app, seeded):
    before = db.session.scalar(select(db.func.count()).select_from(GradeScale))
    assert scales.seed_grade_scales(None) == 0
    assert db.session.scalar(select(db.func.count()).select_from(GradeScale)) == before == 3


def test_seed_scales_command(runner, app):
    result = runner.invoke(args=["lms", "records", "seed-scales"])
    assert result.exit_code == 0 and "3 created" in result.output
    assert "0 created" in runner.invoke(args=["lms", "records", "seed-scales"]).output


def test_bands_text_reports_every_bad_line(app):
    with app.app_context(), pytest.raises(ValidationError) as caught:
        scales.parse_bands("90, S, 4, pass\nabc, A, 3, pass\n70, B\n60, C, 1, maybe")
    messages = [d["message"] for d in caught.value.details]
    assert [m.split(":")[0] for m in messages] == ["Line 2", "Line 3", "Line 4"]


@pytest.mark.parametrize("bands, message", [
    ("90, S, 4, pass\n60, C, 1, pass", "lowest band must start at 0"),
    ("90, S, 4, pass\n0, S, 0, fail", "its own grade"),
    ("90, S, 4, fail\n0, F, 0, pass", "failing band cannot be above a passing one"),
    ("0, F, 0, fail", "at least two bands"),
])
def test_bad_bands_are_explained(app, seeded, bands, message):
    with pytest.raises(ValidationError) as caught:
        scales.save_scale(scales.ScaleFields(
            code="X1", country="KR", name={"en": "x"}, valid_from=date(2020, 1, 1),
            bands=scales.parse_bands(bands)), None)
    assert any(message in d["message"] for d in caught.value.details), caught.value.details


def test_overlapping_dates_are_refused_with_the_clash_named(app, seeded):
    with pytest.raises(ValidationError) as caught:
        scales.save_scale(scales.ScaleFields(
            code="UZ-NEW", country="UZ", name={"en": "new"}, valid_from=date(2025, 9, 1),
            bands=scales.parse_bands("90, 5, 5, pass\n0, 2, 2, fail")), None)
    assert "overlap the scale UZ-19-2018" in caught.value.details[0]["message"]
    with pytest.raises(Conflict):
        scales.save_scale(scales.ScaleFields(code="UZ-19-2018", country="UZ",
                                             name={"en": "x"}, valid_from=date(2030, 1, 1),
                                             bands=[]), None)


def test_a_scale_that_graded_records_keeps_its_bands(app, world):
    with app.app_context():
        finalise(world.student_id, course_with("GD201"), 91)
        used = scale("UZ-19-2018")
        fields = scales.ScaleFields(
            code=used.code, country="UZ", name=used.name, valid_from=used.valid_from,
            bands=scales.parse_bands("85, 5, 5, pass\n0, 2, 2, fail"))
        with pytest.raises(ValidationError) as caught:
            scales.save_scale(fields, None, used)
        assert "cannot change" in caught.value.details[0]["message"]
        # Closing it and adding a new table from the next day is the way.
        fields.bands, fields.valid_until = None, date(2027, 8, 31)
        scales.save_scale(fields, None, used)
        scales.save_scale(scales.ScaleFields(
            code="UZ-2027", country="UZ", name={"en": "From 2027"},
            valid_from=date(2027, 9, 1),
            bands=scales.parse_bands("85, 5, 5, pass\n0, 2, 2, fail")), None)
        assert scales.scale_for(institution("JDU"), date(2027, 9, 1)).code == "UZ-2027"
