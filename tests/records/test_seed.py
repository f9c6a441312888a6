"""The records part of the demo data: loads on top of `lms demo`, twice is harmless."""

from sqlalchemy import func, select

from lms.extensions import db
from lms.records import degree_audit, results, services
from lms.records.models import CreditRecord, GradeScale, Requirement
from lms.records.seed import load_demo_records


def test_demo_records_load_and_reload(app, runner):
    first = runner.invoke(args=["lms", "demo"])  # `lms demo` loads the records part too
    assert first.exit_code == 0 and "Demo results finalised: 3." in first.output
    with app.app_context():
        summary = load_demo_records()
        assert "Final results in the records: 3." in summary
        counts = [db.session.scalar(select(func.count()).select_from(m))
                  for m in (GradeScale, Requirement, CreditRecord)]
        assert counts[0] == 3 and counts[1] > 0 and counts[2] == 7
        load_demo_records()
        assert [db.session.scalar(select(func.count()).select_from(m))
                for m in (GradeScale, Requirement, CreditRecord)] == counts
        aziz = results.student_by_key("JDU26001")
        audits = {a.institution.code: a for a in degree_audit.audits_for(aziz)}
        assert set(audits) >= {"JDU", "TUT"}
        tut = audits["TUT"]
        assert tut.program.code == "GAME" and tut.transferred == 2
        assert services.student_number(aziz, tut.institution) == "TUT26-0001"
