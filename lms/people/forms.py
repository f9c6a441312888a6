from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import LmsForm

REQUIRED = _l("This field is required.")
ROLE_CHOICES = [SelectChoice("student", _l("Student")),
                SelectChoice("instructor", _l("Instructor")),
                SelectChoice("admin", _l("Administrator"))]


class NewUserForm(LmsForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    name = StringField(_l("Name (Latin script)"), validators=[DataRequired(REQUIRED),
                                                             Length(max=200)])
    name_ja = StringField(_l("Name in Japanese (kanji or katakana)"), validators=[Length(max=200)])
    name_kana = StringField(_l("Reading of the Japanese name (kana)"), validators=[Length(max=200)])
    student_number = StringField(_l("Student number"), validators=[Length(max=40)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    cohort = SelectField(_l("Cohort"), choices=[], validate_choice=False)
    password = PasswordField(_l("Initial password"), validators=[DataRequired(REQUIRED)])


class ImportForm(LmsForm):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("The file must be a .csv file.")),
            FileSize(max_size=5 * 1024 * 1024, message=_l("The file must be at most 5 MB.")),
        ],
    )
    cohort = SelectField(_l("Put everyone into cohort"), choices=[], validate_choice=False)


class CohortForm(LmsForm):
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    intake_year = IntegerField(
        _l("Intake year"),
        validators=[Optional(), NumberRange(2000, 2100, _l("Enter a year between 2000 and 2100."))],
    )
