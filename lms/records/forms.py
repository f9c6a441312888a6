"""Forms of the records pages. They validate input only; services do the rest."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import LmsForm

REQUIRED = _l("This field is required.")
TERM_HINT = _l("Like 2026-autumn or 2026-spring.")


class TransferForm(LmsForm):
    source = SelectField(_l("Kind"), choices=[
        SelectChoice("transfer", _l("Transfer: credits earned at another university")),
        SelectChoice("recognition", _l("Recognition: learning recognised (certificates, "
                                       "courses before admission)"))])
    institution = SelectField(_l("Recorded by"), choices=[], validate_choice=False)
    title_en = StringField(_l("Title in English"), validators=[Length(max=300)])
    title_ja = StringField(_l("Title in Japanese"), validators=[Length(max=300)])
    title_uz = StringField(_l("Title in Uzbek"), validators=[Length(max=300)])
    course_code = StringField(_l("Course code there (optional)"), validators=[Length(max=40)])
    credits = DecimalField(_l("Credits (in this institution's credits)"), places=1,
                           validators=[DataRequired(REQUIRED)])
    origin = StringField(_l("Where they were earned"), validators=[DataRequired(REQUIRED),
                                                                   Length(max=200)])
    term = StringField(_l("Term"), validators=[DataRequired(REQUIRED), Length(max=20)])
    awarded_on = DateField(_l("Date awarded there"), validators=[DataRequired(REQUIRED)])
    category = StringField(_l("Requirement category (optional)"), validators=[Length(max=40)])
    external_grade = StringField(_l("Grade given there (optional)"),
                                 validators=[Length(max=40)])
    evidence_note = TextAreaField(_l("Evidence seen"), validators=[Length(max=4000)])
    evidence_file = FileField(_l("Evidence file (PDF, PNG or JPEG)"), validators=[
        FileAllowed(["pdf", "png", "jpg", "jpeg"], _l("The file must be PDF, PNG or JPEG.")),
        FileSize(max_size=10 * 1024 * 1024, message=_l("The file must be at most 10 MB."))])


class CorrectRecordForm(LmsForm):
    credits = DecimalField(_l("Credits"), places=1, validators=[Optional()])
    term = StringField(_l("Term"), validators=[Optional(), Length(max=20)])
    category = StringField(_l("Requirement category"), validators=[Length(max=40)])
    awarded_on = DateField(_l("Date awarded"), validators=[Optional()])
    reason = TextAreaField(_l("Why the correction"), validators=[DataRequired(REQUIRED),
                                                                 Length(max=2000)])


class CorrectResultForm(LmsForm):
    score = DecimalField(_l("Score (0-100)"), places=2, validators=[
        DataRequired(REQUIRED), NumberRange(0, 100, _l("A score is from 0 to 100."))])
    reason = TextAreaField(_l("Why the correction"), validators=[DataRequired(REQUIRED),
                                                                 Length(max=2000)])
    version = HiddenField()


class FinaliseForm(LmsForm):
    score = DecimalField(_l("Score (0-100)"), places=2, validators=[
        Optional(), NumberRange(0, 100, _l("A score is from 0 to 100."))])
    reason = StringField(_l("Reason, when the score differs"), validators=[Length(max=2000)])


class ImportResultsForm(LmsForm):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Choose a CSV file.")),
        FileAllowed(["csv", "txt"], _l("The file must be a .csv file.")),
        FileSize(max_size=5 * 1024 * 1024, message=_l("The file must be at most 5 MB."))])


class IssueDocumentForm(LmsForm):
    kind = SelectField(_l("Document"), choices=[
        SelectChoice("transcript", _l("Transcript of one institution")),
        SelectChoice("diploma_supplement", _l("Diploma supplement (both institutions)"))])
    institution = SelectField(_l("Institution (for a transcript)"), choices=[],
                              validate_choice=False)


class RevokeForm(LmsForm):
    reason = TextAreaField(_l("Reason (shown on the verification page)"),
                           validators=[DataRequired(REQUIRED), Length(max=2000)])


class ProgrammeForm(LmsForm):
    program = SelectField(_l("Programme"), choices=[], validate_choice=False)
    admitted_on = DateField(_l("Admitted on"), validators=[DataRequired(REQUIRED)])


class StudentNumberForm(LmsForm):
    institution = SelectField(_l("Institution"), choices=[], validate_choice=False)
    number = StringField(_l("Student number there"), validators=[DataRequired(REQUIRED),
                                                                 Length(max=40)])


class ScaleForm(LmsForm):
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=40)])
    country = StringField(_l("Country (two letters)"), validators=[DataRequired(REQUIRED),
                                                                   Length(max=2)])
    institution = SelectField(_l("Only for institution"), choices=[], validate_choice=False)
    name_en = StringField(_l("Name in English"), validators=[Length(max=200)])
    name_ja = StringField(_l("Name in Japanese"), validators=[Length(max=200)])
    name_uz = StringField(_l("Name in Uzbek"), validators=[Length(max=200)])
    basis_en = StringField(_l("Legal basis"), validators=[Length(max=400)])
    valid_from = DateField(_l("In force from"), validators=[DataRequired(REQUIRED)])
    valid_until = DateField(_l("Last day in force (empty: open)"), validators=[Optional()])
    bands = TextAreaField(_l("Bands"), validators=[DataRequired(REQUIRED),
                                                   Length(max=4000)])


class RequirementForm(LmsForm):
    institution = SelectField(_l("Institution"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind"), choices=[
        SelectChoice("total", _l("Credits in total")),
        SelectChoice("category", _l("Credits in a category")),
        SelectChoice("course", _l("A required course")),
        SelectChoice("jlpt", _l("A minimum JLPT level"))])
    credits = DecimalField(_l("Credits"), places=1, validators=[Optional()])
    category = StringField(_l("Category"), validators=[Length(max=40)])
    course_code = StringField(_l("Course code"), validators=[Length(max=40)])
    jlpt_level = SelectField(_l("JLPT level"), choices=[SelectChoice("", "—")] + [
        SelectChoice(lvl, lvl) for lvl in ("N5", "N4", "N3", "N2", "N1")])


class ConfirmForm(LmsForm):
    """A button that only needs the CSRF token."""


class VerifyUploadForm(LmsForm):
    file = FileField(_l("The PDF you were given"), validators=[
        FileRequired(_l("Choose the file to check.")),
        FileSize(max_size=20 * 1024 * 1024, message=_l("The file must be at most 20 MB."))])
