"""Forms for the catalogue's reference data: institutions, programmes and tracks.

The fields carry no validators of their own: ``lms.catalog.reference`` checks every rule
(the same rules for the browser, the API and the catalogue file) and reports every problem
at once, which field validators stopping the save early would hide.
"""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from lms.core.forms import LmsForm

OTHER_COUNTRY = "other"
COUNTRY_CHOICES = [
    SelectChoice("UZ", _l("Uzbekistan")),
    SelectChoice("JP", _l("Japan")),
    SelectChoice(OTHER_COUNTRY, _l("Another country (enter its code below)")),
]


def _text(label, lang: str, **render_kw) -> StringField:
    # lang on the input: screen readers pronounce it and IMEs start in the right script.
    return StringField(label, render_kw={"lang": lang, "maxlength": 200, **render_kw})


class InstitutionForm(LmsForm):
    code = StringField(_l("Code"), render_kw={"maxlength": 16, "autocapitalize": "characters",
                                              "spellcheck": "false"})
    name_en = _text(_l("Name (English)"), "en")
    name_ja = _text(_l("Name (Japanese)"), "ja")
    name_uz = _text(_l("Name (Uzbek)"), "uz")
    name_ru = _text(_l("Name (Russian)"), "ru")
    country = SelectField(_l("Country"), choices=COUNTRY_CHOICES, validate_choice=False)
    country_other = StringField(_l("Other country: ISO 3166 code"),
                                render_kw={"maxlength": 2, "autocapitalize": "characters",
                                           "spellcheck": "false"})
    credit_hours = StringField(_l("Hours of study per credit"),
                               widget=NumberInput(step=1, min=15, max=60))


class ProgramForm(LmsForm):
    code = StringField(_l("Code"), render_kw={"maxlength": 20, "autocapitalize": "characters",
                                              "spellcheck": "false"})
    title_en = _text(_l("Title (English)"), "en")
    title_ja = _text(_l("Title (Japanese)"), "ja")
    title_uz = _text(_l("Title (Uzbek)"), "uz")
    title_ru = _text(_l("Title (Russian)"), "ru")
    # Choices (the institutions) are set by the view: forms never touch the database.
    institutions = SelectMultipleField(_l("Institutions awarding the degree"), choices=[],
                                       validate_choice=False,
                                       widget=ListWidget(prefix_label=False),
                                       option_widget=CheckboxInput())


class TrackForm(LmsForm):
    code = StringField(_l("Code"), render_kw={"maxlength": 40, "autocapitalize": "none",
                                              "spellcheck": "false"})
    title_en = _text(_l("Title (English)"), "en")
    title_ja = _text(_l("Title (Japanese)"), "ja")
    title_uz = _text(_l("Title (Uzbek)"), "uz")
    title_ru = _text(_l("Title (Russian)"), "ru")


class DeleteForm(LmsForm):
    confirm = BooleanField(_l("Yes, delete it"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])
