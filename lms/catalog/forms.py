from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import LmsForm

REQUIRED = _l("This field is required.")


class CourseForm(LmsForm):
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=40)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(REQUIRED),
                                                              Length(max=200)])
    title_ja = StringField(_l("Title (Japanese)"), validators=[Length(max=200)])
    title_uz = StringField(_l("Title (Uzbek)"), validators=[Length(max=200)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=5000)])
    description_ja = TextAreaField(_l("Description (Japanese)"), validators=[Length(max=5000)])
    description_uz = TextAreaField(_l("Description (Uzbek)"), validators=[Length(max=5000)])
    provider = SelectField(_l("Provider"), choices=[], validate_choice=False)
    track = SelectField(_l("Track"), choices=[], validate_choice=False)
    language = SelectField(_l("Language of instruction"), choices=[], validate_choice=False)
    hours = IntegerField(_l("Workload hours"), validators=[
        DataRequired(REQUIRED), NumberRange(1, 2000, _l("Enter 1 to 2000 hours."))])
    credits = StringField(_l("Credits per institution"), validators=[Length(max=200)],
                          description=_l("For example: JDU=3, TUT=2"))
    jlpt_level = SelectField(_l("JLPT level"), choices=[], validate_choice=False)
    self_enroll = BooleanField(_l("Students may enrol themselves"))
    instructors = StringField(_l("Instructors (e-mails, comma-separated)"),
                              validators=[Length(max=2000)])


class EnrollForm(LmsForm):
    emails = TextAreaField(_l("Student e-mails (one per line or comma-separated)"),
                           validators=[Length(max=100_000)])
    cohort = SelectField(_l("Or a whole cohort"), choices=[], validate_choice=False)


class SelfEnrollForm(LmsForm):
    pass


class SearchForm(LmsForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
