from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DecimalField, HiddenField
from wtforms.validators import NumberRange, Optional

from lms.core.forms import LmsForm


class UploadForm(LmsForm):
    package = FileField(_l("Module package (.zip)"),
                        validators=[FileRequired(_l("Choose a .zip file."))])


class MoveForm(LmsForm):
    direction = HiddenField()


class RollbackForm(LmsForm):
    pass


class ItemSettingsForm(LmsForm):
    required = BooleanField(_l("Required for completion"))
    weight = DecimalField(_l("Weight"), places=2, validators=[
        Optional(), NumberRange(0, 1000, _l("Enter a weight from 0 to 1000."))])
    pass_score = DecimalField(_l("Pass score (0-100)"), places=1, validators=[
        Optional(), NumberRange(0, 100, _l("Enter a score from 0 to 100."))])
