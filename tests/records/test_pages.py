"""The records pages: who sees what, and what each page lets a person do."""

import io
import re

from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.people import services as people
from lms.records import services
from lms.records.models import CreditRecord, FinalResult
from tests.conftest import PASSWORD, login
from tests.records.conftest import completed, course_with, enrol, finalise


def sign_in(client, app, user_id):
    with app.app_context():
        email = db.session.get(User, user_id).email
    assert login(client, email, PASSWORD).status_code == 302


def no_inline_code(html: str) -> None:
    """CSP: no inline scripts or style attributes on platform pages."""
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html


def test_student_sees_my_records_with_gpa_and_audit(app, world, client):
    with app.app_context():
        finalise(world.student_id, course_with("GD101", title={
            "en": "Game development fundamentals", "ja": "ゲーム開発の基礎"}), 92)
        enrol(course_with("GD102"), world.student_id)
    sign_in(client, app, world.student_id)
    dashboard = client.get("/learning/").get_data(as_text=True)
    assert 'href="/records/"' in dashboard and "My records" in dashboard
    response = client.get("/records/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    no_inline_code(html)
    assert "Game development fundamentals" in html
    assert 'data-testid="gpa-TUT">4.00<' in html and 'data-testid="gpa-JDU">5.00<' in html
    assert "equivalent: 3 JDU credits (90 h)" in html  # labelled, beside TUT's 2 credits
    assert "Degree audit" in html and "Missing" in html and "In progress" in html
    assert "TUT26-0001" in html


def test_students_see_only_their_own_records(app, world, client):
    sign_in(client, app, world.other_student_id)
    assert client.get(f"/records/students/{world.student_id}").status_code == 404
    assert client.get(f"/records/students/{world.other_student_id}").status_code == 302
    assert client.get("/records/admin/").status_code == 403
    assert client.get("/records/admin/scales").status_code == 403


def test_instructors_see_only_their_courses_results(app, world, client):
    with app.app_context():
        teacher = db.session.get(User, world.instructor_id)
        mine = course_with("MINE1", instructors=[teacher.email])
        course_with("OTHER1")
        enrol(mine, world.student_id)
        done = completed(world.student_id, mine, 64.5)
        done_id = done.id
    sign_in(client, app, world.instructor_id)
    assert client.get("/records/").headers["Location"] == "/records/teaching"
    assert "MINE1" in client.get("/records/teaching").get_data(as_text=True)
    assert client.get("/records/courses/OTHER1/results").status_code == 404
    assert client.get(f"/records/students/{world.student_id}").status_code == 404
    page = client.get("/records/courses/MINE1/results")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "64.5" in html and "Finalise" in html
    no_inline_code(html)
    response = client.post(f"/records/courses/MINE1/results/{done_id}/finalise",
                           data={"score": "64.5", "reason": ""}, follow_redirects=True)
    assert "Final: 64.5, recorded for 2 institution(s)." in response.get_data(as_text=True)
    with app.app_context():
        grades = sorted(r.grade for r in db.session.scalars(select(CreditRecord)))
        assert grades == ["3", "C"]


def test_the_second_editor_gets_a_clear_conflict_message(app, world, client):
    with app.app_context():
        teacher = db.session.get(User, world.instructor_id)
        course = course_with("EDIT1", instructors=[teacher.email])
        result_id = finalise(world.student_id, course, 70).id
    sign_in(client, app, world.instructor_id)
    form = client.get(f"/records/results/{result_id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form
    first = client.post(f"/records/results/{result_id}/edit",
                        data={"score": "72", "reason": "Re-marked", "version": "1"})
    assert first.status_code == 302
    second = client.post(f"/records/results/{result_id}/edit",
                         data={"score": "90", "reason": "Appeal", "version": "1"})
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Not saved: someone else changed this result." in html
    assert "the score is now 72 (version 2)" in html
    assert 'name="version" type="hidden" value="2"' in html
    with app.app_context():
        assert db.session.get(FinalResult, result_id).score == 72


def test_admin_records_page_transfer_correct_issue_revoke(app, world, client):
    with app.app_context():
        result = finalise(world.student_id, course_with("ADM1"), 80)
        record_id = services.records_of_result(result)[0].id
    sign_in(client, app, world.admin_id)
    page = client.get(f"/records/students/{world.student_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Record transferred or recognised credits" in html
    no_inline_code(html)
    response = client.post(f"/records/students/{world.student_id}/transfers", data={
        "source": "transfer", "institution": "2", "title_en": "Calculus", "credits": "4",
        "origin": "National University of Uzbekistan", "term": "2026-spring",
        "awarded_on": "2026-06-30", "evidence_note": "", "evidence_file": (
            io.BytesIO(b"%PDF-1.4 transcript"), "transcript.pdf"),
    }, content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "4 credits recorded" in html and "Calculus" in html and "evidence</a>" in html
    response = client.post(f"/records/entries/{record_id}/correct", data={
        "credits": "4", "term": "2026-autumn", "category": "", "awarded_on": "2026-12-20",
        "reason": "Credits of ADM1 were set wrong"}, follow_redirects=True)
    assert "The record was corrected" in response.get_data(as_text=True)
    assert "Corrected records (history)" in response.get_data(as_text=True)
    response = client.post(f"/records/students/{world.student_id}/documents",
                           data={"kind": "transcript", "institution": "2"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Issued. Its verification address: https://lms.jdu.example/verify/" in html
    doc_id = re.search(r"/verify/([A-Za-z0-9_-]{20,})", html).group(1)
    download = client.get(f"/records/documents/{doc_id}/download")
    assert download.data.startswith(b"%PDF") and download.headers["Content-Disposition"]
    download.close()
    response = client.post(f"/records/documents/{doc_id}/revoke",
                           data={"reason": "Wrong programme printed"}, follow_redirects=True)
    assert "The document is revoked" in response.get_data(as_text=True)
    assert "Wrong programme printed" in client.get(f"/verify/{doc_id}").get_data(as_text=True)


def test_admin_finalises_from_the_students_page(app, world, client):
    with app.app_context():
        course = course_with("AW1")
        enrol(course, world.student_id)
        done_id = completed(world.student_id, course, 77).id
    sign_in(client, app, world.admin_id)
    html = client.get(f"/records/students/{world.student_id}").get_data(as_text=True)
    assert "Completed courses awaiting a final result" in html and "AW1" in html
    response = client.post(f"/records/courses/AW1/results/{done_id}/finalise",
                           data={"score": "77", "back": "student"})
    assert response.headers["Location"] == f"/records/students/{world.student_id}#awaiting"
    html = client.get(f"/records/students/{world.student_id}").get_data(as_text=True)
    assert "Completed courses awaiting a final result" not in html
    assert "AW1" in client.get("/records/teaching").get_data(as_text=True)


def test_the_subject_downloads_their_documents_others_get_404(app, world, client):
    from lms.records import transcripts
    from tests.records.conftest import institution

    with app.app_context():
        finalise(world.student_id, course_with("DL1"), 80)
        doc_id = transcripts.issue_transcript(services.get_student(world.student_id),
                                              institution("TUT"), None).id
    sign_in(client, app, world.other_student_id)
    assert client.get(f"/records/documents/{doc_id}/download").status_code == 404
    client.post("/auth/logout")
    sign_in(client, app, world.student_id)
    response = client.get(f"/records/documents/{doc_id}/download")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    response.close()


def test_admin_pages_render(app, world, client):
    with app.app_context():
        cohort = people.create_cohort("JDU-2026", "JDU 2026", 2026)
        db.session.get(User, world.student_id).cohort_id = cohort.id
        db.session.commit()
        finalise(world.student_id, course_with("PG1"), 85)
    sign_in(client, app, world.admin_id)
    for path, expected in (
            ("/records/", None),
            ("/records/admin/", "Cohort overview"),
            ("/records/admin/cohorts/JDU-2026", "Aziz Karimov"),
            ("/records/admin/scales", "UZ-86-71-55"),
            ("/records/admin/scales/new", "Add a grade scale"),
            ("/records/admin/programmes/GAME/requirements", "JLPT N2 or higher"),
            ("/records/admin/hemis", "HEMIS"),
            ("/records/admin/audit-log", "result.finalise"),
            ("/records/admin/students?q=Aziz", "Aziz Karimov"),
            ("/records/admin/results/import", "Import results from CSV"),
            ("/verify", "Verify a document")):
        response = client.get(path)
        if expected is None:
            assert response.status_code == 302
            continue
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert expected in html, path
        no_inline_code(html)
    assert client.get("/records/admin/cohorts/NOPE").status_code == 404


def test_admin_adds_a_scale_and_sees_every_problem(app, world, client):
    sign_in(client, app, world.admin_id)
    bad = client.post("/records/admin/scales/new", data={
        "code": "KR-1", "country": "KR", "institution": "", "name_en": "Korean",
        "valid_from": "2020-03-01", "bands": "90, A, 4, pass\n60, D, 1, pass"})
    assert "The lowest band must start at 0" in bad.get_data(as_text=True)
    good = client.post("/records/admin/scales/new", data={
        "code": "KR-1", "country": "KR", "institution": "", "name_en": "Korean",
        "valid_from": "2020-03-01", "bands": "90, A, 4, pass\n0, F, 0, fail"},
        follow_redirects=True)
    assert "Grade scale KR-1 saved." in good.get_data(as_text=True)


def test_import_results_page_lists_row_problems(app, world, client):
    with app.app_context():
        enrol(course_with("IMPP"), world.student_id)
    sign_in(client, app, world.admin_id)
    response = client.post("/records/admin/results/import", data={"file": (io.BytesIO(
        b"student,course,score\nJDU26001,IMPP,88\nghost@x.example,IMPP,70\n"), "r.csv")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "Nothing was imported: 1 problem(s) found" in html
    assert "<td>3</td><td>No student has the e-mail or student number" in html
    response = client.post("/records/admin/results/import", data={"file": (io.BytesIO(
        b"student,course,score\nJDU26001,IMPP,88\n"), "r.csv")},
        content_type="multipart/form-data")
    assert "1 results finalised." in response.get_data(as_text=True)


def test_hemis_csv_download(app, world, client):
    with app.app_context():
        finalise(world.student_id, course_with("HEM1"), 85)
    sign_in(client, app, world.admin_id)
    response = client.get("/records/admin/hemis.csv?institution=JDU&term=2026-autumn")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed  # rows are sent as the database reads them
    text = response.get_data(as_text=True)
    assert text.startswith("\ufefflayout,institution_code,student_number")
    assert "kakehashi-hemis/1,JDU,JDU26001,Aziz Karimov" in text
    bad = client.get("/records/admin/hemis.csv?institution=TUT", follow_redirects=True)
    assert "HEMIS is the Uzbek student-records system" in bad.get_data(as_text=True)


def _queries_of(app, client, path: str) -> tuple[int, str]:
    from sqlalchemy import event

    seen = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def test_cohort_overview_page_reads_the_cohort_in_a_fixed_number_of_queries(app, world,
                                                                              client):
    """5 or 55 students with programmes, records and courses in progress: the same
    number of queries; 50 a page, page links, counts of the whole cohort."""
    from datetime import date

    from lms.catalog.models import Program

    def add_students(cohort, first: int, n: int) -> None:
        program = db.session.get(Program, world.program_id)
        taken = course_with(f"QC{first}", jdu=3, tut=2)
        doing = course_with(f"QD{first}", jdu=6, tut=4)
        for k in range(first, first + n):
            user = User(email=f"cohort{k}@test.example", name=f"Cohort student {k:03d}",
                        role="student", cohort_id=cohort.id, student_number=f"C{k:05d}")
            db.session.add(user)
            db.session.commit()
            services.admit_to_programme(user, program, date(2026, 9, 1), None)
            finalise(user.id, taken, 50 + k % 50)
            enrol(doing, user.id)

    with app.app_context():
        cohort = people.create_cohort("JDU-Q", "Query cohort", 2026)
        add_students(cohort, 0, 5)
    sign_in(client, app, world.admin_id)
    few, html = _queries_of(app, client, "/records/admin/cohorts/JDU-Q")
    assert "5 students" in html and "Cohort student 004" in html
    with app.app_context():
        add_students(db.session.merge(people.cohort_by_code("JDU-Q")), 5, 50)
    many, html = _queries_of(app, client, "/records/admin/cohorts/JDU-Q")
    assert many == few
    assert "55 students" in html
    assert html.count('href="/records/students/') == 50  # one page of 50
    assert "Cohort student 049" in html and "Cohort student 050" not in html
    assert 'href="/records/admin/cohorts/JDU-Q?page=2"' in html
    _count, html = _queries_of(app, client, "/records/admin/cohorts/JDU-Q?page=2")
    assert html.count('href="/records/students/') == 5
    assert "Cohort student 054" in html and "Page 2 of 2" in html
