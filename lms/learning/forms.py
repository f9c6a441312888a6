"""Forms of the learning pages: quiz attempts, submissions, grading, notifications.

Quiz answers and rubric points have one field per question or criterion, known only from
the item, so they are read from the form data by small helpers here rather than declared.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DecimalField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from lms.core.forms import LmsForm


class StartQuizForm(LmsForm):
    pass


class QuizAnswersForm(LmsForm):
    pass


class SubmissionForm(LmsForm):
    files = MultipleFileField(_l("Files"))
    comment = TextAreaField(_l("Comment for your instructor (optional)"),
                            validators=[Length(max=5000)])


class GradeForm(LmsForm):
    score = DecimalField(_l("Score (0-100)"), places=2, validators=[
        Optional(), NumberRange(0, 100, _l("Enter a score from 0 to 100."))])
    feedback = TextAreaField(_l("Feedback for the student (Markdown)"),
                             validators=[Length(max=20000)])


class MarkReadForm(LmsForm):
    pass


def answer_field(question_key: str, part: str | int | None = None) -> str:
    """The form field name of a question's answer (or one part of it)."""
    return f"q-{question_key}" if part is None else f"q-{question_key}-{part}"


def read_responses(questions: list[dict], formdata) -> dict:
    """The learner's responses from the posted form, in the shapes ``score_question``
    expects: single a key, multiple a list, short the text, ordering the keys by position,
    matching {pair key: chosen pair key}. Unanswered questions are left out."""
    responses: dict = {}
    for question in questions:
        key, qtype = question["key"], question["type"]
        if qtype == "single":
            value = formdata.get(answer_field(key))
            if value:
                responses[key] = value
        elif qtype == "multiple":
            values = [v for v in formdata.getlist(answer_field(key)) if v]
            if values:
                responses[key] = values
        elif qtype == "short":
            value = formdata.get(answer_field(key))
            if value is not None and value.strip():
                responses[key] = value
        elif qtype == "ordering":
            order = [formdata.get(answer_field(key, n), "")
                     for n in range(1, len(question["items"]) + 1)]
            if any(order):
                responses[key] = order
        elif qtype == "matching":
            chosen = {p["key"]: formdata.get(answer_field(key, p["key"]), "")
                      for p in question["pairs"]}
            if any(chosen.values()):
                responses[key] = {k: v for k, v in chosen.items() if v}
    return responses


def read_rubric_points(rubric: list[dict], formdata) -> dict[str, str]:
    """The points typed for each rubric criterion (as text; the service checks them)."""
    return {c["key"]: (formdata.get(f"points-{c['key']}") or "").strip() for c in rubric}
