"""Forms of the reports pages. They validate input only; lms.reports.params and the
services check the rest (and raise errors a person can act on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import LmsForm

REQUIRED = _l("This field is required.")


class ReportFilterForm(LmsForm):
    """The report page's filters (GET: reading a report changes nothing)."""

    class Meta:
        csrf = False

    programme = SelectField(_l("Programme"), choices=[], validate_choice=False)
    cohort = SelectField(_l("Cohort"), choices=[], validate_choice=False)
    course = SelectField(_l("Course"), choices=[], validate_choice=False)
    module = SelectField(_l("Module"), choices=[], validate_choice=False)
    student = StringField(_l("Student (id, e-mail or student number)"),
                          validators=[Length(max=200)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    stalled_days = IntegerField(_l("Stalled after (days without activity)"),
                                validators=[Optional(), NumberRange(1, 365)])
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    sort = HiddenField()


class IssueReportForm(LmsForm):
    format = SelectField(_l("Format"), choices=[
        SelectChoice("pdf", "PDF"), SelectChoice("xlsx", "XLSX (Excel)"),
        SelectChoice("csv", "CSV")])
    language = SelectField(_l("Labels in"), choices=[], validate_choice=False)


class IssuedFilterForm(LmsForm):
    class Meta:
        csrf = False

    scope = StringField(_l("Programme, cohort, course or student"),
                        validators=[Length(max=100)])
    format = SelectField(_l("Format"), choices=[
        SelectChoice("", "—"), SelectChoice("pdf", "PDF"), SelectChoice("xlsx", "XLSX"),
        SelectChoice("csv", "CSV")])
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    issued_by = StringField(_l("Issued by (e-mail)"), validators=[Length(max=254)])
    date_from = DateField(_l("Issued from"), validators=[Optional()])
    date_to = DateField(_l("Issued to"), validators=[Optional()])


class CertificateForm(LmsForm):
    student = StringField(_l("Student (id, e-mail or student number)"),
                          validators=[DataRequired(REQUIRED), Length(max=200)])
    course = SelectField(_l("Course"), choices=[], validate_choice=False)
    programme = SelectField(_l("Programme"), choices=[], validate_choice=False)
    reissue = BooleanField(_l("Replace a valid certificate the student already has"))


class BulkCertificateForm(LmsForm):
    cohort = SelectField(_l("Cohort"), choices=[], validate_choice=False)
    course = SelectField(_l("Course"), choices=[], validate_choice=False)
    programme = SelectField(_l("Programme"), choices=[], validate_choice=False)


class RevokeCertificateForm(LmsForm):
    reason = TextAreaField(_l("Reason (shown on the verification page)"),
                           validators=[DataRequired(REQUIRED), Length(max=2000)])


class CertificateFilterForm(LmsForm):
    class Meta:
        csrf = False

    code = StringField(_l("Course or programme code"), validators=[Length(max=40)])
    cohort = SelectField(_l("Cohort"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
