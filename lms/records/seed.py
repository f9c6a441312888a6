"""Loading the standard grade scales, and the records part of the demo data.

The lead's demo loader calls ``load_demo_records()`` after the courses and the cohort
exist; loading it twice changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from lms.auth.models import User
from lms.catalog import reference
from lms.catalog.models import Course, Institution, Program
from lms.extensions import db
from lms.people.models import Cohort
from lms.records import requirements, results, scales, services, transfers
from lms.records.models import CreditRecord, FinalResult, Requirement

# programme -> institution -> requirement lines (kind, value)
DEMO_REQUIREMENTS = {
    "GAME": {
        "JDU": [("total", 240), ("category", ("game-development", 60)), ("course", "GD101")],
        "TUT": [("total", 124), ("category", ("game-development", 40)),
                ("category", ("japanese", 8)), ("course", "GD101"), ("jlpt", "N2")],
    },
    "CGD": {
        "JDU": [("total", 240), ("category", ("animation", 60)), ("course", "AN101")],
        "NMU": [("total", 124), ("category", ("animation", 40)), ("category", ("japanese", 8)),
                ("course", "AN101"), ("jlpt", "N2")],
    },
}
# (student e-mail, course, score): results imported for the demo
DEMO_RESULTS = [
    ("aziz.karimov@student.jdu.example", "GD101", "92"),
    ("gulnora.tosheva@student.jdu.example", "GD101", "58"),
    ("tanaka.yui@student.jdu.example", "GD101", "79.5"),
]


def seed_grade_scales() -> int:
    """The standard scales (Japanese S/A/B/C/F, Uzbek order 19-2018, Uzbek 86/71/55)."""
    return scales.seed_grade_scales(None)


def load_demo_records(cohort_code: str = "JDU-2026", programme_code: str = "GAME") -> str:
    """Scales, programme requirements, the demo cohort admitted to the programme with
    numbers at the Japanese institution, a few final results and one recognition."""
    created_scales = seed_grade_scales()
    lines = [f"Grade scales: {created_scales} created."]
    for code, by_institution in DEMO_REQUIREMENTS.items():
        if _load_demo_requirements(code, by_institution):
            lines.append(f"Requirements of {code} loaded.")
    cohort = db.session.scalar(select(Cohort).where(Cohort.code == cohort_code))
    program = reference.find_program(programme_code)
    if cohort is None or program is None:
        return "\n".join(lines)
    japanese = _admit_demo_cohort(cohort, program)
    lines.append(f"Cohort {cohort.code} admitted to {program.code}.")
    finalised = _import_demo_results()
    if finalised:
        lines.append(f"Demo results finalised: {finalised}.")
    if _record_demo_recognition(japanese):
        lines.append("Demo recognition recorded.")
    final_count = db.session.scalar(select(db.func.count()).select_from(FinalResult))
    lines.append(f"Final results in the records: {final_count}.")
    return "\n".join(lines)


def _load_demo_requirements(code: str, by_institution: dict) -> bool:
    """Add the programme's demo requirement lines, unless the programme is missing or
    already has requirements; a course line is skipped when the course is missing.
    True when they were added."""
    program = reference.find_program(code)
    if program is None or db.session.scalar(select(Requirement.id).where(
            Requirement.program_id == program.id).limit(1)):
        return False
    for inst_code, items in by_institution.items():
        institution = reference.get_institution(inst_code)
        for kind, value in items:
            if kind == "course" and not db.session.scalar(
                    select(Course.id).where(Course.code == value)):
                continue
            requirements.add_requirement(program, institution, kind, None,
                                         **_requirement_arguments(kind, value))
    return True


def _requirement_arguments(kind: str, value) -> dict:
    """The keyword arguments of ``add_requirement`` for one line of DEMO_REQUIREMENTS."""
    return {"credits": value if kind == "total" else value[1] if kind == "category" else None,
            "category": value[0] if kind == "category" else None,
            "course_code": value if kind == "course" else None,
            "jlpt_level": value if kind == "jlpt" else None}


def _admit_demo_cohort(cohort: Cohort, program: Program) -> Institution | None:
    """Admit the cohort's students to the programme (those with none yet) on 1 September
    of its intake year, numbered at its Japanese institution; returns that institution
    (None when the programme has none)."""
    admitted = date(cohort.intake_year or date.today().year, 9, 1)
    japanese = next((i for i in program.institutions if i.country == "JP"), None)
    for n, student in enumerate(s for s in cohort.students if s.role == "student"):
        if not services.programmes_of(student):
            services.admit_to_programme(student, program, admitted, None)
        if japanese is not None and services.student_number(student, japanese) is None:
            services.set_student_number(student, japanese,
                                        f"{japanese.code}{admitted.year % 100:02d}-{n + 1:04d}",
                                        None)
    return japanese


def _import_demo_results() -> int:
    """Import the DEMO_RESULTS not final yet (whose student and course exist) through the
    CSV importer; returns how many."""
    rows = []
    for email, code, score in DEMO_RESULTS:
        user = db.session.scalar(select(User).where(User.email == email))
        course = db.session.scalar(select(Course).where(Course.code == code))
        if user and course and results.result_of(user.id, course.id) is None:
            rows.append(f"{email},{code},{score}")
    if rows:
        results.import_results_csv(("student,course,score\n" + "\n".join(rows)).encode(),
                                    None)
    return len(rows)


def _record_demo_recognition(japanese: Institution | None) -> bool:
    """One recognition for the first demo student at the Japanese institution, unless they
    already have a transfer or recognition; True when it was recorded."""
    aziz = db.session.scalar(select(User).where(User.email == DEMO_RESULTS[0][0]))
    if aziz is None or japanese is None or db.session.scalar(
            select(CreditRecord.id).where(CreditRecord.user_id == aziz.id,
                                          CreditRecord.source != "course").limit(1)):
        return False
    transfers.add_transfer(aziz, japanese, transfers.TransferFields(
        source="recognition", title={"en": "Japanese language (JLPT N4 course)",
                                     "ja": "日本語（JLPT N4対策）"},
        credits=Decimal(2), origin="Tashkent Japanese Language Centre",
        term="2026-spring", awarded_on=date(2026, 6, 30), category="japanese",
        evidence_note="Certificate No. TJLC-2026-0412 seen by the registrar."), None)
    return True
