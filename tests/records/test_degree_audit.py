"""The degree audit on a sample student, the JLPT requirement, and the cohort overview."""

import sys
from datetime import date
from decimal import Decimal

from lms.extensions import db
from lms.people import services as people
from lms.records import degree_audit, services, transfers
from tests.records.conftest import course_with, dec, enrol, finalise, institution


def lines(audit):
    return {line.requirement.kind + (":" + line.requirement.category
                                     if line.requirement.category else ""):
            (line.status, line.done, line.in_progress, line.missing) for line in audit.lines}


def test_audit_of_a_sample_student(app, world, make_user):
    """Done (passed records and a recognition), in progress (enrolled), missing (the rest
    and a failed required course)."""
    with app.app_context():
        student = services.get_student(world.student_id)
        program = services.programmes_of(student)[0].program
        from lms.records import requirements

        gd = course_with("GD101", jdu=3, tut=2)
        requirements.add_requirement(program, institution("TUT"), "course", None,
                                     course_code="GD101")
        an = course_with("JP101", jdu=3, tut=2, track="japanese")
        requirements.add_requirement(program, institution("TUT"), "course", None,
                                     course_code="JP101")
        finalise(student.id, gd, 92)                  # passed: 2 TUT credits, S
        finalise(student.id, course_with("GD102", jdu=3, tut=2), 40)   # failed: F
        enrol(course_with("GD103", jdu=6, tut=4), student.id)          # in progress
        transfers.add_transfer(student, institution("TUT"), transfers.TransferFields(
            source="recognition", title={"en": "Game jam"}, credits=dec(1),
            origin="Global Game Jam", term="2026-spring", awarded_on=date(2026, 1, 30),
            category="game-development", evidence_note="Certificate seen"), None)
        audit = degree_audit.degree_audit(student, institution("TUT"),
                                          today=date(2027, 3, 1))
        got = lines(audit)
        assert got["total"] == ("missing", dec(3), dec(4), dec(117))
        # game-development needs 4: 2 (GD101) + 1 (game jam) done, 4 (GD103) in progress
        assert got["category:game-development"] == ("in_progress", dec(3), dec(4), dec(0))
        courses = {line.requirement.course.code: (line.status, line.note)
                   for line in audit.lines if line.requirement.kind == "course"}
        assert courses == {"GD101": ("done", ""), "JP101": ("missing", "")}
        enrol(an, student.id)
        audit = degree_audit.degree_audit(student, institution("TUT"),
                                          today=date(2027, 3, 1))
        courses = {line.requirement.course.code: line.status
                   for line in audit.lines if line.requirement.kind == "course"}
        assert courses["JP101"] == "in_progress"
        assert lines(audit)["jlpt"][0] == "missing"
        assert (audit.earned, audit.transferred, audit.gpa) == (dec(3), dec(1),
                                                                Decimal("2.00"))
        # Six months of a four-year programme: 124 x 6/48 = 15.5 -> 16 credits expected.
        assert audit.expected == dec(16) and not audit.on_track


def test_a_failed_required_course_is_missing_and_says_so(app, world):
    with app.app_context():
        student = services.get_student(world.student_id)
        program = services.programmes_of(student)[0].program
        from lms.records import requirements

        course = course_with("REQ1", jdu=3, tut=2)
        requirements.add_requirement(program, institution("JDU"), "course", None,
                                     course_code="REQ1")
        finalise(student.id, course, 30)
        audit = degree_audit.degree_audit(student, institution("JDU"))
        line = next(x for x in audit.lines if x.requirement.kind == "course")
        assert (line.status, line.note) == ("missing", "failed")
        assert not audit.on_track


def test_on_track_early_in_the_programme(app, world):
    with app.app_context():
        student = services.get_student(world.student_id)
        finalise(student.id, course_with("OT1", jdu=30, tut=20), 85)
        audit = degree_audit.degree_audit(student, institution("JDU"),
                                          today=date(2027, 3, 1))
        assert audit.expected == dec(30) and audit.on_track  # 240 x 6/48 = 30


def test_a_student_without_a_programme_gets_no_lines(app, world):
    with app.app_context():
        other = services.get_student(world.other_student_id)
        audit = degree_audit.degree_audit(other, institution("TUT"))
        assert audit.program is None and audit.lines == [] and not audit.on_track


def test_jlpt_level_missing_feature_means_no_certification(app, world, monkeypatch):
    monkeypatch.setitem(sys.modules, "lms.japanese.models", None)  # import fails
    with app.app_context():
        assert degree_audit.jlpt_level(services.get_student(world.student_id)) is None


def test_jlpt_requirement_reads_verified_certifications(app, world):
    from lms.japanese.models import JlptCertification

    with app.app_context():
        student = services.get_student(world.student_id)
        fields = {c.key for c in JlptCertification.__table__.columns}
        base = {"user_id": student.id, "passed": True, "verified": False}
        extra = {"exam_date": date(2026, 7, 5), "total": 120, "section_scores": {},
                 "evidence_path": "x.pdf", "evidence_name": "x.pdf"}
        base.update({k: v for k, v in extra.items() if k in fields})
        db.session.add(JlptCertification(level="N1", **base))  # not verified: ignored
        db.session.add(JlptCertification(level="N3", **{**base, "verified": True}))
        db.session.commit()
        audit = degree_audit.degree_audit(student, institution("TUT"))
        line = next(x for x in audit.lines if x.requirement.kind == "jlpt")
        assert (audit.jlpt, line.status) == ("N3", "missing")
        db.session.add(JlptCertification(level="N2", **{**base, "verified": True}))
        db.session.commit()
        audit = degree_audit.degree_audit(student, institution("TUT"))
        line = next(x for x in audit.lines if x.requirement.kind == "jlpt")
        assert (audit.jlpt, line.status) == ("N2", "done")


def test_cohort_overview(app, world):
    with app.app_context():
        cohort = people.create_cohort("C-2026", "Cohort 2026", 2026)
        for uid in (world.student_id, world.other_student_id):
            services.get_student(uid).cohort_id = cohort.id
        db.session.commit()
        finalise(world.student_id, course_with("CO1", jdu=3, tut=2), 90)
        rows = {r.student.id: r for r in degree_audit.cohort_overview(cohort)}
        assert set(rows) == {world.student_id, world.other_student_id}
        assert [a.institution.code for a in rows[world.student_id].audits] == ["JDU", "TUT"]
        assert rows[world.other_student_id].audits == []  # no programme
        assert not rows[world.other_student_id].on_track
