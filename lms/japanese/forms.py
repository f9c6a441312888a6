"""Forms of the Japanese pages (validation only)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import LmsForm

REQUIRED = _l("This field is required.")
LEVEL_CHOICES = [SelectChoice("", _l("Not yet")), *(SelectChoice(lv, lv) for lv in
                                                    ("N5", "N4", "N3", "N2", "N1"))]
FURIGANA_CHOICES = [
    SelectChoice("above_level", _l("Only on kanji above my JLPT level")),
    SelectChoice("always", _l("Always")),
    SelectChoice("never", _l("Never")),
]


class SettingsForm(LmsForm):
    jlpt_level = SelectField(_l("My JLPT level"), choices=LEVEL_CHOICES)
    furigana = SelectField(_l("Furigana (readings over kanji)"), choices=FURIGANA_CHOICES)
    new_cards_per_day = IntegerField(_l("New cards per day"), default=20,
                                     validators=[NumberRange(0, 200)])


class OverrideForm(LmsForm):
    surface = StringField(_l("Word as written"), validators=[DataRequired(REQUIRED),
                                                             Length(max=100)])
    reading = StringField(_l("Reading (kana)"), validators=[DataRequired(REQUIRED),
                                                            Length(max=200)])
    note = StringField(_l("Note"), validators=[Length(max=200)])


class CertificationForm(LmsForm):
    level = SelectField(_l("Level"), choices=[SelectChoice(lv, lv) for lv in
                                              ("N5", "N4", "N3", "N2", "N1")])
    exam_date = DateField(_l("Exam date"), validators=[DataRequired(REQUIRED)])
    language_knowledge = IntegerField(_l("Language knowledge (vocabulary, grammar)"),
                                      validators=[Optional(), NumberRange(0, 60)])
    reading = IntegerField(_l("Reading"), validators=[Optional(), NumberRange(0, 60)])
    language_knowledge_reading = IntegerField(
        _l("Language knowledge and reading (N4, N5)"), validators=[Optional(), NumberRange(0, 120)])
    listening = IntegerField(_l("Listening"), validators=[DataRequired(REQUIRED),
                                                          NumberRange(0, 60)])
    cefr = SelectField(_l("CEFR reference level on the score report"),
                       choices=[SelectChoice("", _l("None given"))] + [
                           SelectChoice(c, c) for c in ("A1", "A2", "B1", "B2", "C1", "C2")])
    registration_number = StringField(_l("Registration number"), validators=[Length(max=40)])
    evidence = FileField(_l("Score report (PDF, PNG or JPEG)"), validators=[
        FileRequired(_l("Attach the score report.")),
        FileAllowed(["pdf", "png", "jpg", "jpeg"], _l("PDF, PNG or JPEG only.")),
        FileSize(max_size=10 * 1024 * 1024, message=_l("At most 10 MB."))])


class RejectForm(LmsForm):
    reason = TextAreaField(_l("Why is it rejected?"), validators=[DataRequired(REQUIRED),
                                                                  Length(max=500)])


class DeckImportForm(LmsForm):
    deck = SelectField(_l("Deck"), choices=[], validate_choice=False)
    code = StringField(_l("New deck code"), validators=[Length(max=40)])
    title = StringField(_l("New deck title"), validators=[Length(max=200)])
    level = SelectField(_l("JLPT level"), choices=LEVEL_CHOICES)
    kind = SelectField(_l("Kind"), choices=[SelectChoice("vocab", _l("Vocabulary")),
                                            SelectChoice("kanji", _l("Kanji"))])
    file = FileField(_l("CSV or TSV file (Anki: Notes in Plain Text)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "tsv", "txt"], _l("A .csv, .tsv or .txt file.")),
        FileSize(max_size=2 * 1024 * 1024, message=_l("At most 2 MB."))])


class DeckLinkForm(LmsForm):
    course = SelectField(_l("Show to the students of"), choices=[], validate_choice=False)
