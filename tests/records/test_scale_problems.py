"""Saving a grade scale lists every problem at once, field by field in a fixed order."""

from datetime import date

import pytest

from lms.core.errors import Conflict, ValidationError
from lms.records import scales


def problems_of(fields: scales.ScaleFields, scale=None) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        scales.save_scale(fields, None, scale)
    return [(d["field"], d["message"]) for d in caught.value.details]


def test_every_field_problem_in_order(app):
    with app.app_context():
        scales.seed_grade_scales(None)
        assert problems_of(scales.ScaleFields(
            code="bad code!", country="uzb", name={"en": " "}, valid_from=None,
            institution="NOPE", bands=scales.parse_bands("0, F, 0, fail"))) == [
            ("code", "Use 1-40 letters, digits, '.', '_' or '-'."),
            ("country", "Give the two-letter country code, e.g. JP or UZ."),
            ("institution", "There is no institution with the code NOPE."),
            ("name", "An English name is required."),
            ("valid_from", "Give the first day the scale is in force."),
            ("bands", "A scale needs at least two bands."),
            ("bands", "At least one band must be a pass."),
        ]
        # The dates are compared with other scales only once all else is right.
        assert problems_of(scales.ScaleFields(
            code="K2", country="UZ", name={"en": "x"}, valid_from=date(2025, 1, 1),
            bands=scales.parse_bands("90, 5, 5, pass\n0, 2, 2, fail"))) == [
            ("valid_from", "The dates overlap the scale UZ-19-2018 (2018-09-01 to …). Set "
                           "its last day first, or choose other dates."),
        ]
        with pytest.raises(Conflict):  # a taken code is refused before anything else
            scales.save_scale(scales.ScaleFields(code="JP-SABCF", country="x", name={},
                                                 valid_from=None), None)


@pytest.mark.parametrize("bands, expected", [
    ("120, S, 11, pass\n-1, F, -1, fail\n-1, ABCDEFGHIJKL, 0, fail", [
        "Every min_score must be from 0 to 100.",
        "The lowest band must start at 0, so every score has a grade.",
        "Two bands start at the same score.",
        "Each band needs its own grade of 1 to 10 characters.",
        "Grade points must be from 0 to 10."]),
    ("", ["A scale needs at least two bands.",
          "The lowest band must start at 0, so every score has a grade.",
          "At least one band must be a pass."]),
    ("90, S, 4, fail\n50, C, 1, pass\n0, F, 0, fail",
     ["A failing band cannot be above a passing one."]),
])
def test_band_problems_in_order(app, bands, expected):
    with app.app_context():
        assert scales._band_problems(scales.parse_bands(bands)) == expected


def test_an_unused_scale_saves_again_with_its_bands(app):
    """Saving a scale that graded nothing, with bands at the same minimum scores (as the
    form always sends them), replaces the bands (it failed on the unique index)."""
    with app.app_context():
        scale = scales.save_scale(scales.ScaleFields(
            code="TEST-1", country="UZ", name={"en": "Test scale"},
            valid_from=date(2030, 1, 1),
            bands=scales.parse_bands("90, 5, 5, pass\n0, 2, 2, fail")), None)
        saved = scales.save_scale(scales.ScaleFields(
            code="TEST-1", country="UZ", name={"en": "Test scale, renamed"},
            valid_from=date(2030, 1, 1),
            bands=scales.parse_bands("85, 5, 5, pass\n0, 2, 2, fail")), None, scale)
        assert saved.name == {"en": "Test scale, renamed"}
        assert [(float(b.min_score), b.grade) for b in saved.bands] == [(85.0, "5"), (0.0, "2")]
