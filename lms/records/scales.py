"""Grade scales: the dated tables that turn a 0-100 score into each institution's grade.

The shipped tables (``STANDARD_SCALES``) are loaded once by ``seed_grade_scales`` (the
demo and ``flask --app app lms records seed-scales``); after that they are data that an
administrator edits on the Grade scales page.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from lms.catalog.models import Institution
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.problems import Problems
from lms.extensions import db
from lms.records import auditlog
from lms.records.models import CreditRecord, GradeBand, GradeScale
from lms.records.writing import rollback_on_error

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
BAND_COLUMNS = ("min_score", "grade", "points", "pass", "ja", "uz", "en")

# The tables shipped with Kakehashi (DESIGN.md section 3). Bands: min score, grade, grade
# points, passing, labels. Uzbek grade points are the grade itself (5-point GPA).
STANDARD_SCALES = [
    {
        "code": "JP-SABCF", "country": "JP", "valid_from": date(2000, 4, 1),
        "name": {"en": "Japanese university grades S/A/B/C/F",
                 "ja": "大学成績評価（秀・優・良・可・不可）",
                 "uz": "Yaponiya universitet baholari S/A/B/C/F"},
        "basis": {"en": "Grade point average as recommended by MEXT (Central Council for "
                        "Education, 2008)",
                  "ja": "GPA制度（中央教育審議会答申、2008年）",
                  "uz": "GPA tizimi (Yaponiya Taʼlim vazirligi tavsiyasi, 2008)"},
        "bands": [
            (90, "S", 4, True, {"ja": "秀", "en": "S (excellent)", "uz": "S (aʼlo)"}),
            (80, "A", 3, True, {"ja": "優", "en": "A (very good)", "uz": "A (juda yaxshi)"}),
            (70, "B", 2, True, {"ja": "良", "en": "B (good)", "uz": "B (yaxshi)"}),
            (60, "C", 1, True, {"ja": "可", "en": "C (pass)", "uz": "C (qoniqarli)"}),
            (0, "F", 0, False, {"ja": "不可", "en": "F (fail)", "uz": "F (qoniqarsiz)"}),
        ],
    },
    {
        "code": "UZ-19-2018", "country": "UZ", "valid_from": date(2018, 9, 1),
        "name": {"en": "Uzbek 5-point grades (order 19-2018)",
                 "uz": "5 baholik tizim (2018-yil 19-son buyruq)",
                 "ja": "ウズベキスタン5段階評価（2018年第19号省令）"},
        "basis": {"en": "Order No. 19 of 2018 of the Ministry of Higher and Secondary "
                        "Specialised Education",
                  "uz": "Oliy va oʻrta maxsus taʼlim vazirligining 2018-yildagi 19-son "
                        "buyrugʻi",
                  "ja": "高等・中等専門教育省 2018年第19号省令"},
        "bands": [
            (90, "5", 5, True, {"uz": "aʼlo", "en": "excellent", "ja": "5（優秀）"}),
            (70, "4", 4, True, {"uz": "yaxshi", "en": "good", "ja": "4（良好）"}),
            (60, "3", 3, True, {"uz": "qoniqarli", "en": "satisfactory", "ja": "3（可）"}),
            (0, "2", 2, False, {"uz": "qoniqarsiz", "en": "unsatisfactory", "ja": "2（不可）"}),
        ],
    },
    {
        "code": "UZ-86-71-55", "country": "UZ", "valid_from": date(2009, 9, 1),
        "valid_until": date(2018, 8, 31),
        "name": {"en": "Uzbek rating bands 86/71/55 (before order 19-2018)",
                 "uz": "Reyting tizimi 86/71/55 (19-son buyruqgacha)",
                 "ja": "ウズベキスタン旧評価基準 86/71/55（2018年以前）"},
        "basis": {"en": "Rating system in force before order No. 19 of 2018",
                  "uz": "2018-yildagi 19-son buyruqqacha amalda boʻlgan reyting tizimi",
                  "ja": "2018年第19号省令以前の評価制度"},
        "bands": [
            (86, "5", 5, True, {"uz": "aʼlo", "en": "excellent", "ja": "5（優秀）"}),
            (71, "4", 4, True, {"uz": "yaxshi", "en": "good", "ja": "4（良好）"}),
            (55, "3", 3, True, {"uz": "qoniqarli", "en": "satisfactory", "ja": "3（可）"}),
            (0, "2", 2, False, {"uz": "qoniqarsiz", "en": "unsatisfactory", "ja": "2（不可）"}),
        ],
    },
]


@dataclass
class BandFields:
    min_score: Decimal
    grade: str
    points: Decimal
    passing: bool
    labels: dict = field(default_factory=dict)


@dataclass
class ScaleFields:
    code: str
    country: str
    name: dict
    valid_from: date | None
    valid_until: date | None = None
    institution: str | None = None  # institution code; None: every one of the country
    basis: dict = field(default_factory=dict)
    bands: list[BandFields] | None = None  # None: leave the bands as they are


@rollback_on_error
def seed_grade_scales(actor=None) -> int:
    """Create the standard scales that are missing (by code); returns how many. Existing
    scales are left alone: once loaded, they belong to the administrators."""
    created = 0
    for spec in STANDARD_SCALES:
        if db.session.scalar(select(GradeScale.id).where(GradeScale.code == spec["code"])):
            continue
        scale = GradeScale(code=spec["code"], country=spec["country"], name=spec["name"],
                           basis=spec["basis"], valid_from=spec["valid_from"],
                           valid_until=spec.get("valid_until"))
        scale.bands = [GradeBand(min_score=Decimal(m), grade=g, points=Decimal(p), passing=ok,
                                 labels=labels) for m, g, p, ok, labels in spec["bands"]]
        db.session.add(scale)
        db.session.flush()
        auditlog.append(actor, "scale.create", "grade_scale", scale.id, _scale_data(scale))
        created += 1
    db.session.commit()
    return created


def _scale_data(scale: GradeScale) -> dict:
    return {"code": scale.code, "country": scale.country,
            "institution": scale.institution.code if scale.institution else None,
            "valid_from": scale.valid_from, "valid_until": scale.valid_until,
            "bands": [[b.min_score, b.grade, b.points, b.passing] for b in scale.bands]}


# --- reading --------------------------------------------------------------------------


def list_scales() -> list[GradeScale]:
    return db.session.scalars(select(GradeScale).options(
        selectinload(GradeScale.bands), selectinload(GradeScale.institution))
        .order_by(GradeScale.country, GradeScale.valid_from.desc(), GradeScale.code)).all()


def get_scale(scale_id: int) -> GradeScale:
    scale = db.session.get(GradeScale, scale_id)
    if scale is None:
        raise NotFound(_("There is no grade scale %(id)s.", id=scale_id))
    return scale


def scale_in_use(scale: GradeScale) -> bool:
    return bool(db.session.scalar(select(exists().where(CreditRecord.scale_id == scale.id))))


def scale_for(institution: Institution, on: date) -> GradeScale:
    """The scale in force for ``institution`` on ``on``: one made for the institution
    wins over its country's. Raises ValidationError when none is in force."""
    scales = db.session.scalars(select(GradeScale).options(selectinload(GradeScale.bands))
                                .where(or_(GradeScale.institution_id == institution.id,
                                           (GradeScale.institution_id.is_(None))
                                           & (GradeScale.country == institution.country)),
                                       GradeScale.valid_from <= on,
                                       or_(GradeScale.valid_until.is_(None),
                                           GradeScale.valid_until >= on))).all()
    if not scales:
        raise ValidationError(_(
            "No grade scale of %(inst)s is in force on %(date)s. Add one on the Grade scales "
            "page (or run: flask --app app lms records seed-scales).",
            inst=institution.code, date=on.isoformat()))
    scales.sort(key=lambda s: (s.institution_id is not None, s.valid_from), reverse=True)
    return scales[0]


def band_for(score: Decimal | float | int, scale: GradeScale) -> GradeBand:
    """The band a score falls in: the one with the highest minimum not above the score.
    Scores are compared exactly as recorded (89.99 is below 90)."""
    value = Decimal(str(score))
    if value < 0 or value > 100:
        raise ValidationError(_("A score must be from 0 to 100; %(score)s is not.",
                                score=str(score)))
    for band in sorted(scale.bands, key=lambda b: b.min_score, reverse=True):
        if value >= band.min_score:
            return band
    raise ValidationError(_("The grade scale %(code)s has no band for %(score)s; its lowest "
                            "band must start at 0.", code=scale.code, score=str(score)))


# --- editing ----------------------------------------------------------------------------


def parse_bands(text: str) -> list[BandFields]:
    """Bands from text, one per line: ``min_score, grade, points, pass|fail, ja, uz, en``
    (labels optional). Every bad line is reported at once."""
    bands, problems = [], []
    rows = csv.reader(io.StringIO(text or ""), skipinitialspace=True)
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) < 4:
            problems.append(_("Line %(n)d: give at least min_score, grade, points and pass or "
                              "fail, separated by commas.", n=number))
            continue
        try:
            minimum, points = Decimal(cells[0]), Decimal(cells[2])
        except InvalidOperation:
            problems.append(_("Line %(n)d: min_score and points must be numbers.", n=number))
            continue
        if cells[3].lower() not in ("pass", "fail"):
            problems.append(_("Line %(n)d: the fourth value must be pass or fail.", n=number))
            continue
        labels = {lang: value for lang, value in zip(("ja", "uz", "en"), cells[4:7], strict=False)
                  if value}
        bands.append(BandFields(minimum, cells[1], points, cells[3].lower() == "pass", labels))
    if problems:
        raise ValidationError(_("The bands were not saved: %(count)d problem(s).",
                                count=len(problems)),
                              details=[{"field": "bands", "message": m} for m in problems])
    return bands


def bands_text(scale: GradeScale) -> str:
    lines = []
    for b in scale.bands:
        labels = [b.labels.get(lang, "") for lang in ("ja", "uz", "en")]
        cells = [_num(b.min_score), b.grade, _num(b.points), "pass" if b.passing else "fail",
                 *labels]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(cells)
        lines.append(buffer.getvalue())
    return "\n".join(lines)


def _num(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def _band_problems(bands: list[BandFields]) -> list[str]:
    """Every reason ``bands`` cannot make a scale, in a fixed order: the values first
    (count, scores, grades, points), then the order of passing and failing bands."""
    return _band_value_problems(bands) + _band_order_problems(bands)


def _band_value_problems(bands: list[BandFields]) -> list[str]:
    problems = []
    if len(bands) < 2:
        problems.append(_("A scale needs at least two bands."))
    minimums = [b.min_score for b in bands]
    grades = [b.grade for b in bands]
    if any(m < 0 or m > 100 for m in minimums):
        problems.append(_("Every min_score must be from 0 to 100."))
    if 0 not in minimums:
        problems.append(_("The lowest band must start at 0, so every score has a grade."))
    if len(set(minimums)) != len(minimums):
        problems.append(_("Two bands start at the same score."))
    if len(set(grades)) != len(grades) or any(not g or len(g) > 10 for g in grades):
        problems.append(_("Each band needs its own grade of 1 to 10 characters."))
    if any(b.points < 0 or b.points > 10 for b in bands):
        problems.append(_("Grade points must be from 0 to 10."))
    return problems


def _band_order_problems(bands: list[BandFields]) -> list[str]:
    """From the lowest band up, once a band passes every higher one must too; and one
    band at least must pass."""
    problems = []
    passing_seen = False
    for band in sorted(bands, key=lambda b: b.min_score):
        if passing_seen and not band.passing:
            problems.append(_("A failing band cannot be above a passing one."))
            break
        passing_seen = passing_seen or band.passing
    if not passing_seen:
        problems.append(_("At least one band must be a pass."))
    return problems


@rollback_on_error
def save_scale(fields: ScaleFields, actor, scale: GradeScale | None = None) -> GradeScale:
    """Create a scale, or edit one. A scale that graded a record keeps its bands (add a new
    dated scale instead); its name, basis and end date may still change. Date ranges of
    scales for the same institution (or country) may not overlap."""
    code = (fields.code or "").strip()
    country = (fields.country or "").strip().upper()
    name = {k: v.strip() for k, v in (fields.name or {}).items() if v and v.strip()}
    problems = Problems("field")
    institution, in_use = _check_scale(fields, scale, code, country, name, problems)
    problems.raise_if_any(_("The grade scale was not saved: %(count)d problem(s).",
                            count=len(problems)))
    created = scale is None
    scale = scale or GradeScale(code=code, created_by_id=getattr(actor, "id", None))
    scale.country, scale.institution = country, institution
    scale.name, scale.basis = name, {k: v for k, v in (fields.basis or {}).items() if v}
    scale.valid_from, scale.valid_until = fields.valid_from, fields.valid_until
    if fields.bands is not None:
        _apply_bands(scale, fields.bands, in_use)
    db.session.add(scale)
    db.session.flush()
    auditlog.append(actor, "scale.create" if created else "scale.update", "grade_scale",
                    scale.id, _scale_data(scale))
    db.session.commit()
    return scale


def _check_scale(fields: ScaleFields, scale: GradeScale | None, code: str, country: str,
                 name: dict, problems: Problems) -> tuple[Institution | None, bool]:
    """Add every problem of the scale to save, field by field; the dates are checked
    against the other scales only when nothing else is wrong. Returns the institution it
    is only for (or None) and whether the scale being edited has graded a record."""
    if scale is None:
        _check_new_code(code, problems)
    if not re.fullmatch(r"[A-Z]{2}", country):
        problems.add("country", _("Give the two-letter country code, e.g. JP or UZ."))
    institution = _scale_institution(fields.institution, country, problems)
    if not name.get("en"):
        problems.add("name", _("An English name is required."))
    _check_dates(fields.valid_from, fields.valid_until, problems)
    in_use = scale is not None and scale_in_use(scale)
    if fields.bands is not None:
        _check_bands(fields.bands, scale, in_use, problems)
    if not problems and fields.valid_from:
        _check_overlap(country, institution, fields, scale, problems)
    return institution, in_use


def _check_new_code(code: str, problems: Problems) -> None:
    """A new scale's code: its form is a problem; a code already taken raises Conflict
    at once."""
    if not _CODE_RE.match(code):
        problems.add("code", _("Use 1-40 letters, digits, '.', '_' or '-'."))
    elif db.session.scalar(select(GradeScale.id).where(GradeScale.code == code)):
        raise Conflict(_("A grade scale with the code %(code)s already exists.", code=code))


def _scale_institution(code: str | None, country: str, problems: Problems
                       ) -> Institution | None:
    """The institution the scale is only for (None: every one of the country); it must
    exist and be in the scale's country."""
    if not code:
        return None
    institution = db.session.scalar(select(Institution).where(Institution.code == code))
    if institution is None:
        problems.add("institution", _("There is no institution with the code %(code)s.",
                                      code=code))
    elif institution.country != country:
        problems.add("institution", _("%(code)s is in %(country)s, not %(other)s.",
                                      code=institution.code, country=institution.country,
                                      other=country))
    return institution


def _check_dates(valid_from: date | None, valid_until: date | None, problems: Problems
                 ) -> None:
    if valid_from is None:
        problems.add("valid_from", _("Give the first day the scale is in force."))
    elif valid_until and valid_until < valid_from:
        problems.add("valid_until", _("The last day cannot be before the first."))


def _check_bands(bands: list[BandFields], scale: GradeScale | None, in_use: bool,
                 problems: Problems) -> None:
    """New bands must make a scale; those of a scale in use may only reword labels."""
    if in_use and _band_signature(bands) != _band_signature(_as_fields(scale)):
        problems.add("bands", _(
            "Records were graded with this scale, so its bands cannot change. Set its "
            "last day and add a new scale from the next day instead."))
    else:
        problems.extend("bands", _band_problems(bands))


def _check_overlap(country: str, institution: Institution | None, fields: ScaleFields,
                   scale: GradeScale | None, problems: Problems) -> None:
    clash = _overlapping(country, institution, fields.valid_from, fields.valid_until, scale)
    if clash:
        problems.add("valid_from", _(
            "The dates overlap the scale %(code)s (%(start)s to %(end)s). Set its last "
            "day first, or choose other dates.", code=clash.code,
            start=clash.valid_from.isoformat(),
            end=clash.valid_until.isoformat() if clash.valid_until else "…"))


def _apply_bands(scale: GradeScale, bands: list[BandFields], in_use: bool) -> None:
    """Replace the scale's bands; in use, only the wording of their labels changes."""
    if not in_use:
        if scale.bands:
            # The old bands go first: a new band at the same minimum score (every scale
            # has one at 0) would otherwise meet the old one in the unique index.
            scale.bands = []
            db.session.flush()
        scale.bands = [GradeBand(min_score=b.min_score, grade=b.grade, points=b.points,
                                 passing=b.passing, labels=b.labels) for b in bands]
    else:
        labels = {b.grade: b.labels for b in bands}
        for band in scale.bands:
            band.labels = labels.get(band.grade, band.labels)


def _as_fields(scale: GradeScale) -> list[BandFields]:
    return [BandFields(b.min_score, b.grade, b.points, b.passing, b.labels or {})
            for b in scale.bands]


def _band_signature(bands: list[BandFields]):
    return sorted((Decimal(b.min_score), b.grade, Decimal(b.points), b.passing) for b in bands)


def _overlapping(country, institution, start, end, scale) -> GradeScale | None:
    stmt = select(GradeScale).where(
        GradeScale.country == country,
        GradeScale.institution_id == institution.id if institution
        else GradeScale.institution_id.is_(None))
    if scale is not None:
        stmt = stmt.where(GradeScale.id != scale.id)
    for other in db.session.scalars(stmt):
        other_end = other.valid_until or date.max
        if other.valid_from <= (end or date.max) and start <= other_end:
            return other
    return None
