"""Demo data for `make run`: loading it twice changes nothing."""

from __future__ import annotations

from flask import current_app

from lms.auth import services as auth_services
from lms.people import services as people_services

COHORT = ("JDU-2026", "JDU Game Development 2026", 2026)

PEOPLE = [
    # email, role, Latin name, Japanese name, kana reading, student number
    ("admin@jdu.example", "admin", "Dilnoza Rahimova", "ラヒモワ・ディルノザ", "らひもわ でぃるのざ", None),
    ("sato@tut.example.jp", "instructor", "Sato Kenji", "佐藤 健二", "さとう けんじ", None),
    ("yamada@kyoto-arts.example.jp", "instructor", "Yamada Haruka", "山田 遥", "やまだ はるか",
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


def load_demo() -> str:
    """Create what is missing and report counts; existing rows are left as they are."""
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
    return f"Demo people: {created} created, {len(PEOPLE) - created} already there."
