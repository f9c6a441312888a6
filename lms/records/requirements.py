"""Programme requirements per institution: what the degree audit checks."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from lms.catalog.models import JLPT_LEVELS, Course, Institution, Program
from lms.core.errors import NotFound
from lms.core.problems import Problems
from lms.extensions import db
from lms.records import auditlog
from lms.records.models import Requirement
from lms.records.models.programmes import REQUIREMENT_KINDS
from lms.records.writing import rollback_on_error


@rollback_on_error
def add_requirement(program: Program, institution: Institution, kind: str, actor, *,
                    credits=None, category: str | None = None, course_code: str | None = None,
                    jlpt_level: str | None = None) -> Requirement:
    """Add one requirement line; the institution must be one of the programme's."""
    problems = Problems("field")
    amount, course = _check_requirement(program, institution, kind, problems, credits=credits,
                                        category=category, course_code=course_code,
                                        jlpt_level=jlpt_level)
    problems.raise_if_any(_("The requirement was not added: %(count)d problem(s).",
                            count=len(problems)))
    row = Requirement(program_id=program.id, institution_id=institution.id, kind=kind,
                      credits=amount,
                      category=((category or "").strip() or None) if kind == "category"
                      else None,
                      course_id=course.id if course else None,
                      jlpt_level=jlpt_level if kind == "jlpt" else None, label={})
    db.session.add(row)
    db.session.flush()
    auditlog.append(actor, "requirement.add", "requirement", row.id, _data(row, program,
                                                                          institution))
    db.session.commit()
    return row


def _check_requirement(program: Program, institution: Institution, kind: str,
                       problems: Problems, *, credits, category: str | None,
                       course_code: str | None, jlpt_level: str | None
                       ) -> tuple[Decimal | None, Course | None]:
    """Add every problem of the line, field by field; returns the credits required (for
    a total or a category) and the course (for a course line)."""
    if not any(i.id == institution.id for i in program.institutions):
        problems.add("institution", _("%(inst)s does not award %(prog)s; add it to the "
                                      "programme first.", inst=institution.code,
                                      prog=program.code))
    if kind not in REQUIREMENT_KINDS:
        problems.add("kind", _("The kind must be one of: %(kinds)s.",
                               kinds=", ".join(REQUIREMENT_KINDS)))
    amount = _required_credits(credits, problems) if kind in ("total", "category") else None
    if kind == "category" and not (category or "").strip():
        problems.add("category", _("Name the category (a track code such as "
                                   "game-development, or a transfer's category)."))
    course = _required_course(course_code, problems) if kind == "course" else None
    if kind == "jlpt" and jlpt_level not in JLPT_LEVELS:
        problems.add("jlpt_level", _("The JLPT level must be one of N5, N4, N3, N2, N1."))
    return amount, course


def _required_credits(credits, problems: Problems) -> Decimal | None:
    """``credits`` as the credits a line requires (above 0, at most 1000)."""
    try:
        amount = Decimal(str(credits))
        if amount <= 0 or amount > 1000:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.add("credits", _("Give the credits required, above 0."))
        return None
    return amount


def _required_course(course_code: str | None, problems: Problems) -> Course | None:
    course = db.session.scalar(select(Course).where(Course.code == (course_code or "")))
    if course is None:
        problems.add("course", _("There is no course with the code %(code)s.",
                                 code=course_code or ""))
    return course


@rollback_on_error
def remove_requirement(requirement: Requirement, actor) -> None:
    data = _data(requirement, requirement.program, requirement.institution)
    ident = requirement.id
    db.session.delete(requirement)
    db.session.flush()
    auditlog.append(actor, "requirement.remove", "requirement", ident, data)
    db.session.commit()


def _data(row: Requirement, program: Program, institution: Institution) -> dict:
    return {"programme": program.code, "institution": institution.code, "kind": row.kind,
            "credits": row.credits, "category": row.category, "course": row.course_id,
            "jlpt_level": row.jlpt_level}


def get_requirement(requirement_id: int) -> Requirement:
    row = db.session.get(Requirement, requirement_id)
    if row is None:
        raise NotFound(_("There is no requirement %(id)s.", id=requirement_id))
    return row


def programmes() -> list[Program]:
    return db.session.scalars(select(Program).order_by(Program.code)).all()
