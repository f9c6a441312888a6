"""Completion report figures: the same definitions as the learning feature, every scope
and filter, and a number of queries that does not grow with the number of students."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select, update

from lms.auth.models import User
from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.core.errors import ValidationError
from lms.extensions import db
from lms.learning import insights
from lms.learning.models import ItemProgress
from lms.reports import completion, params
from tests.reports.conftest import act


def report_for(**kw):
    return completion.build_report(params.parse({k: v for k, v in kw.items()}))


def by_user(report):
    return {r.user_id: r for r in report.rows}


def test_course_report_figures(app, school):
    with app.app_context():
        report = report_for(course=school.course)
        rows = by_user(report)
        assert set(rows) == {school.finished_id, school.halfway_id, school.stalled_id,
                             school.fresh_id, school.other_id}
        done = rows[school.finished_id]
        assert (done.done, done.required, done.percent) == (3, 3, 100)
        assert done.score == 80.0 and done.final_score == 80.0  # the quiz: the one score
        assert done.seconds == 7200 and done.hours == 2.0
        assert done.status == "completed" and done.completed_at is not None
        credits = {i.code: done.credits.get(i.id) for i in report.institutions}
        assert credits == {"JDU": Decimal("3"), "TUT": Decimal("2")}
        assert rows[school.halfway_id].status == "in_progress"
        assert rows[school.stalled_id].status == "stalled"
        assert rows[school.fresh_id].status == "stalled"  # enrolled 30 days ago, nothing
        assert rows[school.fresh_id].last_activity is None
        # never started: no score at all, not a made-up 0
        assert rows[school.fresh_id].done == 0 and rows[school.fresh_id].score is None
        assert rows[school.finished_id].provenance == "server-marked"
        # The same numbers the instructor's progress grid shows (lms.learning.insights).
        course = db.session.scalar(select(Course).where(Course.code == school.course))
        for user_id, row in rows.items():
            _states, summary = insights.student_progress(db.session.get(User, user_id), course)
            assert (row.done, row.required, row.percent) == (
                summary.done, summary.required, summary.percent), row.name
            assert row.score == (None if summary.score is None else round(summary.score, 1)), (
                row.name)
        s = report.summary
        assert (s.students, s.enrolments, s.completed) == (5, 5, 1)
        assert s.statuses["stalled"] == 2
        assert s.credits == {i.id: Decimal(3 if i.code == "JDU" else 2)
                             for i in report.institutions}


def test_cohort_programme_student_and_module_scopes(app, school):
    with app.app_context():
        cohort = report_for(cohort=school.cohort)
        assert school.other_id not in by_user(cohort) and len(cohort.rows) == 4
        programme = report_for(programme="GAME")
        assert set(by_user(programme)) == {school.finished_id, school.halfway_id}
        one = report_for(student="JDU26002")
        assert [r.user_id for r in one.rows] == [school.halfway_id]
        assert report_for(student="malika@student.jdu.example").rows[0].user_id == \
            school.halfway_id
        both = report_for(cohort=school.cohort, programme="GAME")
        assert set(by_user(both)) == {school.finished_id, school.halfway_id}
        module = report_for(course=school.course, module="m1")
        rows = by_user(module)
        # Module 1 has two required items; half way is done with it: "completed" there.
        assert rows[school.halfway_id].required == 2
        assert rows[school.halfway_id].status == "completed"
        assert rows[school.stalled_id].done == 1 and rows[school.stalled_id].percent == 50
        assert [p.code for p in module.progress] == ["m1"]


def test_progress_by_module_and_by_course(app, school):
    with app.app_context():
        report = report_for(course=school.course)
        m1, m2 = report.progress
        assert (m1.code, m1.required, m2.code, m2.required) == ("m1", 2, "m2", 1)
        # m1 done by finished, halfway and the other cohort's student; stalled has half
        assert m1.completed == 3 and m2.completed == 1
        assert m1.average_percent == round(100 * (2 + 2 + 1 + 0 + 2) / (2 * 5))
        by_course = report_for(cohort=school.cohort)
        assert [p.code for p in by_course.progress] == [school.course]


def test_status_filter_and_sorting(app, school):
    with app.app_context():
        stalled = report_for(course=school.course, status="stalled")
        assert {r.user_id for r in stalled.rows} == {school.stalled_id, school.fresh_id}
        assert stalled.summary.enrolments == 2
        ranked = report_for(course=school.course, sort="-percent")
        assert ranked.rows[0].user_id == school.finished_id
        assert [r.percent for r in ranked.rows] == sorted((r.percent for r in ranked.rows),
                                                          reverse=True)
        names = report_for(course=school.course)
        assert [r.name.casefold() for r in names.rows] == sorted(
            r.name.casefold() for r in names.rows)
        longer = report_for(course=school.course, stalled_days="30")
        assert by_user(longer)[school.stalled_id].status == "in_progress"


def test_date_range_counts_what_happened_within_it(app, school):
    with app.app_context():
        today = datetime.now(UTC).date()
        recent = report_for(course=school.course, **{"from": (today - timedelta(days=5))
                                                     .isoformat()})
        rows = by_user(recent)
        assert rows[school.stalled_id].done == 0  # its page was done 20 days ago
        assert rows[school.finished_id].status == "completed"
        before = report_for(course=school.course, to=(today - timedelta(days=10)).isoformat())
        rows = by_user(before)
        assert rows[school.finished_id].done == 0 and rows[school.finished_id].status != \
            "completed"
        assert rows[school.stalled_id].done == 1  # done 20 days ago: before the end
        assert rows[school.finished_id].credits == {}  # awarded today: after the end


def test_parameters_are_checked_with_every_problem_listed(app, school):
    with app.app_context():
        with pytest.raises(ValidationError) as exc:
            params.parse({"course": "NOPE", "from": "2026-13-01", "stalled_days": "0",
                          "status": "asleep"})
        fields = {d["field"] for d in exc.value.details}
        assert fields == {"course", "from", "stalled_days", "status"}
        with pytest.raises(ValidationError, match="Choose what to report on"):
            params.parse({})
        with pytest.raises(ValidationError, match="course of the module"):
            params.parse({"module": "m1", "cohort": school.cohort})
        with pytest.raises(ValidationError, match="end date"):
            params.parse({"course": school.course, "from": "2026-05-01", "to": "2026-04-01"})


def test_queries_do_not_grow_with_students(app, school, make_user):
    def count(code):
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", before)
            try:
                p = params.parse({"course": code})
                report = completion.build_report(p)
            finally:
                event.remove(db.engine, "before_cursor_execute", before)
            return len(statements), len(report.rows)

    few, n_few = count(school.course)
    newcomers = [make_user("student") for _ in range(12)]
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.code == school.course))
        catalog.enroll(course, [db.session.get(User, u.id) for u in newcomers],
                       source="admin")
        for u in newcomers[:6]:
            act(u.id, "intro", "completed")
    many, n_many = count(school.course)
    assert n_many == n_few + 12
    assert many == few <= 12


def test_removed_items_do_not_count(app, school):
    """Progress on an item no longer in the course (a stale key) is not 'done'."""
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(
            ItemProgress.user_id == school.halfway_id, ItemProgress.item_key == "intro"))
        db.session.execute(update(ItemProgress).where(ItemProgress.id == row.id).values(
            item_key="gone"))
        db.session.commit()
        report = report_for(course=school.course)
        assert by_user(report)[school.halfway_id].done == 1


def test_completion_series_buckets(app, school):
    with app.app_context():
        report = report_for(course=school.course, **{"from": date(2026, 1, 1).isoformat()})
        unit, series = completion.completion_series(report)
        assert unit in ("week", "month") and series[-1][2] == 1
        assert sum(n for _d, n, _c in series) == 1
        bins = completion.score_bins(report.rows)
        # the three students with a quiz score; the two without one have no score to bin
        assert sum(n for _lo, _hi, n in bins) == 3 and bins[-1][:2] == (90, 100)


def test_many_modules_are_matched_with_one_in_list(app, school, monkeypatch):
    """Past OR_CHAIN_MAX modules (programme reports over many courses) the layout is
    matched with (module id, key) IN (...) instead of a CASE on the module: same figures."""
    with app.app_context():
        expected = {(r.user_id, r.done, r.score) for r in report_for(cohort=school.cohort).rows}
        monkeypatch.setattr(completion, "OR_CHAIN_MAX", 0)
        got = {(r.user_id, r.done, r.score) for r in report_for(cohort=school.cohort).rows}
        assert got == expected
