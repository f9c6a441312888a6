"""The degree audit on a sample student, the JLPT requirement, and the cohort overview."""

import sys
from datetime import date
from decimal import Decimal

from lms.auth.models import User
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


def _audit_facts(audit):
    """Everything the cohort page and the student page show of an audit."""
    return (audit.institution.code, audit.program.code if audit.program else None,
            audit.earned, audit.in_progress, audit.transferred, audit.transfer_cap, audit.gpa,
            audit.jlpt, audit.expected, audit.on_track, audit.complete,
            [(line.requirement.id, line.label, line.status, line.required, line.done,
              line.in_progress, line.missing, line.note) for line in audit.lines])


def test_cohort_overview_gives_each_students_own_audit(app, world, make_user):
    """The cohort page reads the whole cohort at once; each student's figures are still
    exactly those of their own degree audit: passes, a failed required course, a
    transfer and a recognition, a corrected result, courses in progress, JLPT, a
    student with records but no programme and one with nothing at all."""
    from lms.japanese.models import JlptCertification
    from lms.records import requirements, results
    from lms.records.models import FinalResult

    third = make_user("student", name="Dilnoza Rahimova", student_number="JDU26004")
    with app.app_context():
        cohort = people.create_cohort("C-AUDIT", "Audit cohort", 2026)
        for uid in (world.student_id, world.other_student_id, third.id):
            services.get_student(uid).cohort_id = cohort.id
        db.session.commit()
        student = services.get_student(world.student_id)
        program = services.programmes_of(student)[0].program
        services.admit_to_programme(services.get_student(third.id), program,
                                    date(2025, 9, 1), None)
        required = course_with("RQ1", jdu=3, tut=2)
        requirements.add_requirement(program, institution("TUT"), "course", None,
                                     course_code="RQ1")
        finalise(student.id, required, 35)                      # failed required course
        finalise(student.id, course_with("GD1", jdu=6, tut=4), 91)
        corrected = finalise(third.id, course_with("GD2", jdu=3, tut=2), 58)
        results.correct_result(db.session.get(FinalResult, corrected.id), None, score=75,
                               reason="Re-marked", expected_version=corrected.version)
        enrol(course_with("JP1", jdu=3, tut=2, track="japanese"), student.id)
        enrol(required, third.id)
        transfers.add_transfer(student, institution("TUT"), transfers.TransferFields(
            source="transfer", title={"en": "Linear algebra"}, credits=dec(2),
            origin="Tokyo University of Technology", term="2026-spring",
            awarded_on=date(2026, 3, 1), category="game-development",
            external_grade="A", evidence_note="Transcript seen"), None)
        transfers.add_transfer(student, institution("TUT"), transfers.TransferFields(
            source="recognition", title={"en": "Game jam"}, credits=dec(1),
            origin="Global Game Jam", term="2026-spring", awarded_on=date(2026, 1, 30),
            category="game-development", evidence_note="Certificate seen"), None)
        finalise(world.other_student_id, course_with("GD3", jdu=3, tut=0), 88)
        db.session.add(JlptCertification(
            user_id=student.id, level="N2", passed=True, verified=True,
            exam_date=date(2026, 7, 5), total=120, section_scores={},
            evidence_path="x.pdf", evidence_name="x.pdf"))
        db.session.commit()

        today = date(2027, 3, 1)
        overview = degree_audit.cohort_overview(cohort, today=today)
        rows = {row.student.id: row for row in overview}
        assert list(rows) == [world.student_id, third.id, world.other_student_id]  # by name
        for row in overview:
            one = services.get_student(row.student.id)
            own = ([degree_audit.degree_audit(one, i, today=today)
                    for i in services.student_institutions(one)]
                   if services.programmes_of(one) else [])
            assert [_audit_facts(a) for a in row.audits] == [_audit_facts(a) for a in own]
        mine = {a.institution.code: a for a in rows[world.student_id].audits}
        assert mine["TUT"].transferred == dec(3) and mine["TUT"].jlpt == "N2"
        assert ("missing", "failed") in {(line.status, line.note)
                                         for line in mine["TUT"].lines}
        assert rows[world.other_student_id].audits == []  # records, but no programme
        assert (overview.students, overview.without_programme) == (3, 1)
        assert overview.on_track + overview.behind == 2
        assert [i.code for i in overview.institutions] == ["JDU", "TUT"]


def test_cohort_overview_pages(app, world):
    with app.app_context():
        cohort = people.create_cohort("C-PAGES", "Paged cohort", 2026)
        db.session.add_all(User(email=f"paged{n}@test.example", name=f"Paged {n:03d}",
                                role="student", cohort_id=cohort.id) for n in range(120))
        db.session.commit()
        overview = degree_audit.cohort_overview(cohort)
        assert overview.students == 120 and overview.pages() == 3
        rows, page, pages = overview.page(3)
        assert (page, pages, len(rows)) == (3, 3, 20)
        assert rows[0].student.name == "Paged 100"
        assert overview.page(99)[1] == 3 and overview.page(0)[1] == 1
