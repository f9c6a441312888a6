"""Demo data for `make run`: loading it twice changes nothing."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from lms import PROJECT_ROOT
from lms.auth import services as auth_services
from lms.authoring import services as authoring_services
from lms.catalog import services as catalog_services
from lms.japanese.cli import load_demo_japanese
from lms.learning import trust
from lms.people import services as people_services
from lms.records.seed import load_demo_records

# Demo courses whose assessments are scored by their own content (AN101: a SCORM quiz;
# GD101: a game that reports its score): their certificates may rest on content-reported
# scores. Every other course keeps the default (server-marked, instructor-graded).
DEMO_CONTENT_SCORED = ("AN101", "GD101")

COHORT = ("JDU-2026", "JDU Game Development 2026", 2026)

PEOPLE = [
    # email, role, Latin name, Japanese name, kana reading, student number
    ("admin@jdu.example", "admin", "Dilnoza Rahimova", "ラヒモワ・ディルノザ", "らひもわ でぃるのざ", None),
    ("sato.kenji@tut.example.jp", "instructor", "Sato Kenji", "佐藤 健二", "さとう けんじ", None),
    ("mori.aya@tut.example.jp", "instructor", "Mori Aya", "森 彩", "もり あや", None),
    ("takahashi.yui@nmu.example.jp", "instructor", "Takahashi Yui", "高橋 結", "たかはし ゆい",
     None),
    ("yamada.hanako@nmu.example.jp", "instructor", "Yamada Hanako", "山田 花子", "やまだ はなこ",
     None),
    ("suzuki.taro@nmu.example.jp", "instructor", "Suzuki Taro", "鈴木 太郎", "すずき たろう",
     None),
    ("aziz.karimov@student.jdu.example", "student", "Aziz Karimov", "カリモフ・アジズ",
     "かりもふ あじず", "JDU26001"),
    ("gulnora.tosheva@student.jdu.example", "student", "Gulnora Tosheva", "トシェワ・グルノラ",
     "としぇわ ぐるのら", "JDU26002"),
    ("oybek.yoldoshev@student.jdu.example", "student", "Oybek Yoʻldoshev", "ヨルドシェフ・オイベク",
     "よるどしぇふ おいべく", "JDU26003"),
    ("malika.nazarova@student.jdu.example", "student", "Malika Nazarova", "ナザロワ・マリカ",
     "なざろわ まりか", "JDU26004"),
    ("tanaka.yui@student.jdu.example", "student", "Tanaka Yui", "田中 結衣", "たなか ゆい",
     "JDU26005"),
]


def demo_logins() -> list[tuple[str, str]]:
    return [(email, role) for email, role, *_rest in PEOPLE]


def load_demo(courses_dir: Path | None = None) -> str:
    """Create what is missing and report counts; existing rows are left as they are.

    People first (the courses name their instructors), then the catalogue and every
    course folder in ``courses/``; the demo cohort is enrolled in every course.
    """
    created = 0
    cohort = people_services.cohort_by_code(COHORT[0]) or people_services.create_cohort(*COHORT)
    password = current_app.config["DEMO_PASSWORD"]
    for email, role, name, name_ja, kana, number in PEOPLE:
        if auth_services.user_by_email(email):
            continue
        auth_services.create_user(
            email, name, role, password, name_ja=name_ja, name_kana=kana,
            student_number=number, cohort_id=cohort.id if role == "student" else None,
        )
        created += 1
    lines = [f"Demo people: {created} created, {len(PEOPLE) - created} already there."]
    courses_dir = courses_dir or PROJECT_ROOT / "courses"
    if (courses_dir / "catalog.yaml").exists():
        counts = catalog_services.load_catalog_file(courses_dir / "catalog.yaml")
        lines.append("Catalogue: {institutions} institutions, {programmes} programmes, "
                     "{tracks} tracks.".format(**counts))
    for folder in sorted(p for p in courses_dir.iterdir() if (p / "course.yaml").exists()):
        result = authoring_services.import_course(folder)
        versions = ", ".join(
            f"{r.module.key} v{r.version.number}{'' if r.created else ' (unchanged)'}"
            for r in result.modules)
        lines.append(f"Course {result.course.code}: {versions}")
        if result.created and result.course.code in DEMO_CONTENT_SCORED:
            # These courses' assessments are scored by their content (a SCORM quiz, a
            # game): the administrator accepts content-reported scores for them.
            catalog_services.set_trusted_provenance(
                result.course, [*trust.DEFAULT_TRUSTED, trust.CONTENT_REPORTED])
        catalog_services.enroll_cohort(result.course, cohort)
    lines.append(load_demo_japanese())
    lines.append(load_demo_records())
    return "\n".join(lines)
