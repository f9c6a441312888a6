"""Credit equivalences by workload (shown, never stored) and GPA with failures."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from lms.core.errors import ValidationError
from lms.records import services
from tests.records.conftest import course_with, dec, finalise, institution


@pytest.mark.parametrize("credits, from_hours, to_hours, expected", [
    (1, 45, 30, "1.5"),   # 1 JP credit = 45 h = 1.5 UZ credits
    (2, 45, 30, "3.0"),
    (4, 45, 30, "6.0"),
    (3, 30, 45, "2.0"),   # and back: 3 UZ credits = 90 h = 2 JP credits
    (1, 30, 45, "0.7"),   # 0.666… rounds half up to one place
    (6, 30, 30, "6.0"),
    (1, 45, 25, "1.8"),   # a 25-hour Uzbek credit (the configurable low end)
])
def test_equivalent_credits(credits, from_hours, to_hours, expected):
    assert services.equivalent_credits(credits, from_hours, to_hours) == Decimal(expected)


def test_equivalent_credits_refuse_a_zero_hour_credit(app):
    with app.app_context(), pytest.raises(ValidationError):
        services.equivalent_credits(1, 45, 0)


def rec(points, credits, *, counts=True, passed=True, term="2026-autumn"):
    return SimpleNamespace(grade_points=None if points is None else dec(points),
                           credits=dec(credits), counts_in_gpa=counts, passed=passed,
                           term=term, source="course" if counts else "transfer")


def test_gpa_counts_failures_in_the_credits_attempted():
    # S (4) x 2 + F (0) x 2 + B (2) x 1 = 10 over 5 attempted credits = 2.00
    assert services.gpa([rec(4, 2), rec(0, 2, passed=False), rec(2, 1)]) == Decimal("2.00")


def test_gpa_has_two_decimals_rounded_half_up():
    assert services.gpa([rec(4, 2), rec(3, 1)]) == Decimal("3.67")     # 11 / 3 = 3.666…
    assert services.gpa([rec(4, 1), rec(3, 2), rec(0, 1)]) == Decimal("2.50")
    assert services.gpa([rec(1, 2), rec(2, 1), rec(2, 3)]) == Decimal("1.67")  # 10/6
    assert str(services.gpa([rec(3, 2)])) == "3.00"


def test_gpa_leaves_out_transfers_and_is_none_without_attempts():
    assert services.gpa([rec(4, 2), rec(None, 10, counts=False)]) == Decimal("4.00")
    assert services.gpa([rec(None, 10, counts=False)]) is None
    assert services.gpa([]) is None


def test_uzbek_gpa_uses_the_grade_as_points_failures_included(app, world):
    with app.app_context():
        finalise(world.student_id, course_with("A1", jdu=6, tut=4), 95)       # 5 / S
        finalise(world.student_id, course_with("A2", jdu=3, tut=2), 55)       # 2 / F
        finalise(world.student_id, course_with("A3", jdu=3, tut=2), 75,       # 4 / B
                 term="2027-spring")
        student = services.get_student(world.student_id)
        by_code = {s.institution.code: s for s in services.student_records(student)}
        jdu, tut = by_code["JDU"], by_code["TUT"]
        # JDU: (5*6 + 2*3 + 4*3) / 12 = 4.00; TUT: (4*4 + 0*2 + 2*2) / 8 = 2.50
        assert (jdu.gpa, tut.gpa) == (Decimal("4.00"), Decimal("2.50"))
        assert (jdu.earned, jdu.attempted) == (dec(9), dec(12))
        assert (tut.earned, tut.attempted) == (dec(6), dec(8))
        terms = {t.term: t.gpa for t in tut.terms}
        assert terms == {"2026-autumn": Decimal("2.67"), "2027-spring": Decimal("2.00")}
        assert [t.term for t in tut.terms] == ["2026-autumn", "2027-spring"]
        # Equivalences are computed for reading, from each institution's hours.
        eq = tut.equivalences(dec(2))
        assert [(e.institution.code, e.credits, e.hours) for e in eq] == [
            ("JDU", Decimal("3.0"), Decimal(90))]


def test_terms_sort_chronologically():
    terms = ["2027-spring", "2026-autumn", "2026-spring", "2025-autumn"]
    assert sorted(terms, key=services.term_sort_key) == [
        "2025-autumn", "2026-spring", "2026-autumn", "2027-spring"]


def test_records_keep_native_credits_only(app, world):
    with app.app_context():
        result = finalise(world.student_id, course_with("N1", jdu=3, tut=2), 88)
        credits = {r.institution.code: r.credits for r in services.records_of_result(result)}
        assert credits == {"JDU": dec(3), "TUT": dec(2)}
        assert institution("TUT").credit_hours == 45
