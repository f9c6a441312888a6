from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.core.forms import LmsForm

REQUIRED = _l("This field is required.")


class LoginForm(LmsForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class PasswordForm(LmsForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED)])


class ProfileForm(LmsForm):
    name = StringField(
        _l("Name (Latin script)"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    name_ja = StringField(_l("Name in Japanese (kanji or katakana)"), validators=[Length(max=200)])
    name_kana = StringField(_l("Reading of the Japanese name (kana)"), validators=[Length(max=200)])
    locale = SelectField(_l("Language"), choices=[])
    timezone = SelectField(_l("Time zone"), choices=[])


class LanguageForm(LmsForm):
    lang = StringField(validators=[DataRequired(REQUIRED), Length(max=8)])
    next = StringField(validators=[Length(max=2000)])
