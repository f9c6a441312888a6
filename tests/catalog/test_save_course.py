"""save_course: every problem at once, in the form's order; a taken code is a Conflict;
an edit keeps the credit rows it already has."""

import pytest

from lms.catalog import services as catalog
from lms.catalog.models import COURSE_LANGUAGES
from lms.core.errors import Conflict, ValidationError
from tests.factories import ensure_reference_data, make_course


def test_every_problem_is_reported_at_once_in_the_forms_order(app, make_user):
    make_user("student", email="learner@example.com")
    with app.app_context():
        ensure_reference_data()
        fields = catalog.CourseFields(
            code="new", title={"ja": "タイトルだけ"}, provider="NOPE", hours="many",
            credits={"XYZ": 3, "JDU": 61}, language="xx", track="nope", jlpt_level="N9",
            instructors=["nobody@example.com", "learner@example.com"],
        )
        with pytest.raises(ValidationError) as caught:
            catalog.save_course(fields)
    assert str(caught.value) == "The course was not saved: 11 problem(s)."
    assert caught.value.details == [
        {"field": "code", "message": "'new' is a reserved word; choose another code."},
        {"field": "title", "message": "An English title is required."},
        {"field": "provider", "message": "There is no institution with the code NOPE."},
        {"field": "language",
         "message": f"Language must be one of: {', '.join(COURSE_LANGUAGES)}."},
        {"field": "hours", "message": "Hours must be a number between 1 and 2000."},
        {"field": "credits", "message": "There is no institution with the code XYZ."},
        {"field": "credits", "message": "Credits for JDU must be between 0 and 60."},
        {"field": "track", "message": "There is no track with the code nope."},
        {"field": "jlpt_level", "message": "The JLPT level must be one of N5, N4, N3, N2, N1."},
        {"field": "instructors",
         "message": "There is no account with the e-mail nobody@example.com."},
        {"field": "instructors", "message": "learner@example.com is not an instructor."},
    ]


def test_a_taken_code_is_a_conflict_before_anything_else_is_checked(app):
    with app.app_context():
        make_course("GD101")
        fields = catalog.CourseFields(code="GD101", title={}, provider="NOPE", hours=0,
                                      credits={})
        with pytest.raises(Conflict, match="A course with the code GD101 already exists."):
            catalog.save_course(fields)


def test_an_edit_keeps_its_credit_rows_and_writes_every_field(app, make_user):
    teacher = make_user("instructor", email="teacher@example.com")
    with app.app_context():
        course = make_course("GD101")
        rows = {c.institution.code: c.id for c in course.credits}
        fields = catalog.CourseFields(
            code="GD101", title={"en": " Keyframes ", "ja": " "}, provider="JDU", hours="12.6",
            credits={"JDU": "4.5"}, language="ja", description={"en": "About", "ja": ""},
            track="japanese", jlpt_level="N4", self_enroll=1,
            instructors=[" Teacher@Example.com "],
        )
        saved = catalog.save_course(fields, course)
        assert saved is course
        assert (course.title, course.description, course.provider.code) == (
            {"en": "Keyframes"}, {"en": "About"}, "JDU")
        assert (course.language, course.hours, course.track.code, course.jlpt_level) == (
            "ja", 13, "japanese", "N4")
        assert course.self_enroll is True
        assert [(c.id, c.institution.code, str(c.credits)) for c in course.credits] == [
            (rows["JDU"], "JDU", "4.5")]
        assert [u.id for u in course.instructors] == [teacher.id]
        assert "keyframes" in course.search_text


@pytest.mark.parametrize("hours", ["nan", "inf", "0.4", "2001", float("nan")])
def test_hours_outside_1_to_2000_are_refused_with_the_message(app, hours):
    """NaN used to pass the check and crash when stored; 0.4 was stored as 0 hours."""
    with app.app_context():
        ensure_reference_data()
        with pytest.raises(ValidationError) as caught:
            catalog.save_course(catalog.CourseFields(
                code="HRS101", title={"en": "Hours"}, provider="TUT", hours=hours,
                credits={"TUT": 1}))
    assert {"field": "hours", "message": "Hours must be a number between 1 and 2000."} in \
        caught.value.details
