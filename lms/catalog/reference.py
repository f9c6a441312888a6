"""Reference data of the catalogue: institutions, degree programmes and learning tracks.

Administrators manage these rows in the browser (``reference_views``); the sample catalogue
file is loaded by ``services.load_catalog_file``. Every save validates the whole row and
reports every problem at once as a ValidationError (or a Conflict when a code is taken) whose
details are ``{"field", "message"}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.catalog.models import Institution, Program, Track
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.extensions import db

# Languages a name or title may be given in (the UI languages); English is required
# because it is the fallback every page uses (lms.core.i18n.pick).
REFERENCE_LANGUAGES = ("en", "ja", "uz", "ru")
NAME_MAX = 200

INSTITUTION_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,15}$")
PROGRAM_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,19}$")
TRACK_CODE_MAX = 40
TRACK_CODE_RE = re.compile(rf"^(?=.{{1,{TRACK_CODE_MAX}}}$)[a-z0-9]+(?:-[a-z0-9]+)*$")

# Hours of study per native credit. A Japanese credit is 45 hours and an Uzbek (ECTS-style)
# credit 25-30; the wider range leaves room for other partners without allowing typos.
CREDIT_HOURS_MIN, CREDIT_HOURS_MAX = 15, 60

# Codes CLDR knows that are not ISO 3166-1 countries (reserved, user-assigned or regions).
_NOT_ISO_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"})


@cache
def _country_codes() -> frozenset[str]:
    territories = Locale.parse("en").territories  # CLDR, shipped with Babel
    return frozenset(c for c in territories if len(c) == 2 and c.isalpha()) - _NOT_ISO_COUNTRIES


def is_country_code(code: str) -> bool:
    """An assigned ISO 3166-1 alpha-2 code, in capitals."""
    return code in _country_codes()


def country_name(code: str) -> str:
    """The country's name in the viewer's language (the code itself when unknown)."""
    locale = get_locale() or Locale.parse("en")
    return locale.territories.get(code) or code


# --- reading ---------------------------------------------------------------------


def all_institutions() -> list[Institution]:
    return db.session.scalars(select(Institution).order_by(Institution.code)).all()


def reference_data() -> dict:
    """Every institution, programme and track, each ordered by code."""
    return {
        "institutions": all_institutions(),
        "programs": db.session.scalars(select(Program).options(selectinload(Program.institutions))
                                       .order_by(Program.code)).all(),
        "tracks": db.session.scalars(select(Track).order_by(Track.code)).all(),
    }


# The one look-up of each by code: find_* answers None, get_* raises NotFound saying so.


def find_institution(code: str) -> Institution | None:
    return db.session.scalar(select(Institution).where(Institution.code == code))


def find_program(code: str) -> Program | None:
    return db.session.scalar(select(Program).where(Program.code == code))


def get_institution(code: str) -> Institution:
    row = find_institution(code)
    if row is None:
        raise NotFound(_("There is no institution with the code %(code)s.", code=code))
    return row


def get_program(code: str) -> Program:
    row = find_program(code)
    if row is None:
        raise NotFound(_("There is no programme with the code %(code)s.", code=code))
    return row


def get_track(code: str) -> Track:
    row = db.session.scalar(select(Track).where(Track.code == code))
    if row is None:
        raise NotFound(_("There is no track with the code %(code)s.", code=code))
    return row


# --- saving ----------------------------------------------------------------------


@dataclass
class InstitutionFields:
    code: str
    name: dict[str, str]
    country: str
    credit_hours: int | str | None


@dataclass
class ProgramFields:
    code: str
    title: dict[str, str]
    institutions: list[str] = field(default_factory=list)  # institution codes


@dataclass
class TrackFields:
    code: str
    title: dict[str, str]


class _Problems:
    """Collects every problem of one save, then raises them together."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.duplicate = False

    def add(self, field_name: str, message: str) -> None:
        self.items.append((field_name, message))

    def raise_if_any(self, summary: str) -> None:
        if not self.items:
            return
        details = [{"field": f, "message": m} for f, m in self.items]
        # A taken code is a conflict (HTTP 409) but is still listed with the other problems.
        error = Conflict if self.duplicate else ValidationError
        raise error(summary, details=details)


def _texts(problems: _Problems, field_name: str, values: dict | None, required: str) -> dict:
    """Strip a language -> text dict, drop empty entries, and check it."""
    texts = {}
    for lang, value in (values or {}).items():
        if lang not in REFERENCE_LANGUAGES:
            problems.add(field_name, _("%(lang)s is not a supported language; use one of: "
                                       "%(langs)s.", lang=lang,
                                       langs=", ".join(REFERENCE_LANGUAGES)))
            continue
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > NAME_MAX:
            problems.add(field_name, _("The %(lang)s text is longer than %(max)d characters.",
                                       lang=lang, max=NAME_MAX))
        elif text:
            texts[lang] = text
    if not texts.get("en"):
        problems.add(field_name, required)
    return texts


def _check_code(problems, model, code, current, *, pattern, rule: str, taken: str,
                fixed: str) -> None:
    if current is not None:
        # Courses, credits, catalogue files and URLs refer to a row by its code.
        if code != current.code:
            problems.add("code", fixed)
        return
    if not pattern.match(code):
        problems.add("code", rule)
    elif db.session.scalar(select(model.id).where(model.code == code)) is not None:
        problems.duplicate = True
        problems.add("code", taken)


def _commit(summary: str, message: str) -> None:
    """Commit; a code taken by a concurrent save between our check and the commit is a
    Conflict like any other duplicate."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(summary, details=[{"field": "code", "message": message}]) from exc


def save_institution(fields: InstitutionFields,
                     institution: Institution | None = None) -> Institution:
    """Create an institution, or update ``institution``. Its code is fixed once created."""
    problems = _Problems()
    code = (fields.code or "").strip()
    _check_code(
        problems, Institution, code, institution, pattern=INSTITUTION_CODE_RE,
        rule=_("Use 2-16 capital letters, digits, '_' or '-', for example JDU."),
        taken=_("An institution with the code %(code)s already exists.", code=code),
        fixed=_("The code of an institution cannot be changed: courses and credits refer "
                "to it."))
    name = _texts(problems, "name", fields.name, _("An English name is required."))
    country = (fields.country or "").strip()
    if not is_country_code(country):
        problems.add("country", _("Choose a country or enter its two-letter ISO 3166 code in "
                                  "capitals, for example KR."))
    hours = _whole_number(fields.credit_hours)
    if hours is None or not CREDIT_HOURS_MIN <= hours <= CREDIT_HOURS_MAX:
        problems.add("credit_hours", _(
            "Hours per credit must be a whole number from %(min)d to %(max)d (Japan 45, "
            "Uzbekistan 25-30).", min=CREDIT_HOURS_MIN, max=CREDIT_HOURS_MAX))
    summary = _("The institution was not saved: %(count)d problem(s).",
                count=len(problems.items))
    problems.raise_if_any(summary)
    institution = institution or Institution(code=code)
    institution.name, institution.country, institution.credit_hours = name, country, hours
    db.session.add(institution)
    _commit(_("The institution was not saved."),
            _("An institution with the code %(code)s already exists.", code=code))
    return institution


def save_program(fields: ProgramFields, program: Program | None = None) -> Program:
    """Create a degree programme, or update ``program``. Its code is fixed once created;
    it names at least one institution (the ones that award its degree)."""
    problems = _Problems()
    code = (fields.code or "").strip()
    _check_code(
        problems, Program, code, program, pattern=PROGRAM_CODE_RE,
        rule=_("Use 2-20 capital letters, digits, '_' or '-', for example GAME."),
        taken=_("A programme with the code %(code)s already exists.", code=code),
        fixed=_("The code of a programme cannot be changed: requirements and catalogue files "
                "refer to it."))
    title = _texts(problems, "title", fields.title, _("An English title is required."))
    wanted = list(dict.fromkeys(c.strip() for c in fields.institutions or [] if c.strip()))
    institutions = db.session.scalars(
        select(Institution).where(Institution.code.in_(wanted))).all() if wanted else []
    found = {i.code: i for i in institutions}
    for missing in (c for c in wanted if c not in found):
        problems.add("institutions", _("There is no institution with the code %(code)s.",
                                       code=missing))
    if not wanted:
        problems.add("institutions", _("Choose at least one institution."))
    summary = _("The programme was not saved: %(count)d problem(s).", count=len(problems.items))
    problems.raise_if_any(summary)
    program = program or Program(code=code)
    program.title = title
    program.institutions = [found[c] for c in wanted]
    db.session.add(program)
    _commit(_("The programme was not saved."),
            _("A programme with the code %(code)s already exists.", code=code))
    return program


def save_track(fields: TrackFields, track: Track | None = None) -> Track:
    """Create a learning track, or update ``track``. Its code is fixed once created."""
    problems = _Problems()
    code = (fields.code or "").strip()
    _check_code(
        problems, Track, code, track, pattern=TRACK_CODE_RE,
        rule=_("Use lowercase letters, digits and single hyphens (at most %(max)d characters), "
               "for example game-development.", max=TRACK_CODE_MAX),
        taken=_("A track with the code %(code)s already exists.", code=code),
        fixed=_("The code of a track cannot be changed: courses and catalogue links refer "
                "to it."))
    title = _texts(problems, "title", fields.title, _("An English title is required."))
    summary = _("The track was not saved: %(count)d problem(s).", count=len(problems.items))
    problems.raise_if_any(summary)
    track = track or Track(code=code)
    track.title = title
    db.session.add(track)
    _commit(_("The track was not saved."),
            _("A track with the code %(code)s already exists.", code=code))
    return track


def _whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() else None


# --- deleting --------------------------------------------------------------------


_USAGE_LABELS = {
    "courses": lambda n: _("%(n)d course(s)", n=n),
    "course_credits": lambda n: _("%(n)d course credit(s)", n=n),
    "program_institutions": lambda n: _("%(n)d programme(s)", n=n),
}


def usage(row: Institution | Program | Track) -> list[str]:
    """What refers to ``row``, for example ["3 course(s)", "1 programme(s)"]; empty when
    nothing does and it may be deleted.

    Every foreign key to the row's table counts, found from the metadata, so tables added
    later (credit records, requirements ...) protect their rows without a change here.
    Rows that would be deleted with it (ON DELETE CASCADE: a programme's institution links)
    do not count.
    """
    target = type(row).__table__
    found = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is not target or (fk.ondelete or "").upper() == "CASCADE":
                continue
            count = db.session.scalar(
                select(func.count()).select_from(table).where(fk.parent == row.id))
            if count:
                label = _USAGE_LABELS.get(table.name)
                found.append(label(count) if label else f"{table.name} ({count})")
    return found


def delete_institution(institution: Institution) -> None:
    """Delete an institution nothing refers to; otherwise a Conflict says what uses it."""
    _delete(institution, lambda uses: _(
        "The institution %(code)s is in use and cannot be deleted: %(uses)s.",
        code=institution.code, uses=uses))


def delete_program(program: Program) -> None:
    """Delete a programme nothing refers to (its institution links go with it)."""
    _delete(program, lambda uses: _(
        "The programme %(code)s is in use and cannot be deleted: %(uses)s.",
        code=program.code, uses=uses))


def delete_track(track: Track) -> None:
    """Delete a track no course belongs to."""
    _delete(track, lambda uses: _(
        "The track %(code)s is in use and cannot be deleted: %(uses)s.",
        code=track.code, uses=uses))


def _delete(row, in_use) -> None:
    used = usage(row)
    if used:
        raise Conflict(in_use(", ".join(used)))
    db.session.delete(row)
    try:
        db.session.commit()
    except IntegrityError as exc:  # something began to use it after the check
        db.session.rollback()
        raise Conflict(in_use(", ".join(usage(row)))) from exc
