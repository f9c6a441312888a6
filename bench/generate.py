"""Generate a benchmark database: `make bench-data SIZE=S|M|L` (DATABASE_URL for PostgreSQL).

S = 1,000 students / 40 courses; M = 10,000 students / 200 courses / 40 items each /
500,000 item_progress rows; L = 50,000 students / 400 courses / 2,500,000 rows. Always 40
items per course (5 modules of 8: pages with real Markdown, videos, a download, a quiz;
the last module adds an HTML5 build and an assignment).

The database is made fresh (SQLite: bench/data/bench-<SIZE>.sqlite3 is replaced;
PostgreSQL: the database in DATABASE_URL is dropped and created again, so its name must
contain "bench"), the migrations are applied with flask_migrate.upgrade, the reference data
(institutions, programmes, tracks, grade scales) goes through the app's own services, and
everything else is bulk Core inserts (executemany, in chunks) with explicit ids.

Shapes: cohorts of about 250 by intake year (the last three) and track; Uzbek names with
their katakana/hiragana forms, and some Japanese students; courses titled in English,
Japanese and Uzbek, enrolments skewed towards popular courses; progress skewed so that most
students are early in their courses and a few far ahead; one to three learning events per
progress row; two past terms of course results (imported results: no item-level
progress for them) and, where the records tables exist, final results and credit records
graded on the institutions' scales, programme memberships and student numbers.

Run: .venv/bin/python bench/generate.py --size M
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from common import BENCH_PASSWORD, DATA, ROOT, SIZES, bench_app, database_url, dialect_of, sqlite_path

import shapes

CHUNK = 20_000
ADL = "http://adlnet.gov/expapi/verbs/"


class Clock:
    def __init__(self):
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str, note: str = "") -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 2)
        print(f"  {name:<28} {now - self.last:7.2f} s  {note}", flush=True)
        self.last = now

    @property
    def total(self) -> float:
        return time.perf_counter() - self.start


def fresh_database(url: str) -> None:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            p = path.with_name(path.name + suffix)
            if p.exists():
                p.unlink()
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name = target.database or ""
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop the database {name!r}: a benchmark database's "
                         "name must contain 'bench' (e.g. kakehashi_bench).")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def term_before(term: str) -> str:
    year, season = term.split("-")
    return f"{year}-spring" if season == "autumn" else f"{int(year) - 1}-autumn"


def term_end(term: str) -> date:
    year, season = term.split("-")
    return date(int(year), 7, 20) if season == "spring" else date(int(year) + 1, 1, 25)


class Generator:
    def __init__(self, size, seed: int, conn, dialect: str):
        from lms.extensions import db

        self.size, self.conn, self.dialect = size, conn, dialect
        self.rng = random.Random(seed)
        self.tables = db.metadata.tables
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.counts: dict[str, int] = {}

    # --- helpers ----------------------------------------------------------------------

    def insert(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        stmt = self.tables[table].insert()
        for start in range(0, len(rows), CHUNK):
            self.conn.execute(stmt, rows[start:start + CHUNK])
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def next_id(self, table: str) -> int:
        from sqlalchemy import func, select

        t = self.tables[table]
        return (self.conn.scalar(select(func.max(t.c.id))) or 0) + 1

    def has_table(self, name: str) -> bool:
        return name in self.tables

    # --- people -------------------------------------------------------------------------

    def people(self, password_hash: str) -> None:
        rng, size = self.rng, self.size
        self.current_term = self.terms[0]
        year = self.now.year if self.now.month >= 8 else self.now.year - 1
        intakes = [year - 2, year - 1, year]
        cohort_id = self.next_id("cohorts")
        self.cohorts = []  # (id, intake year, track)
        n_cohorts = max(4, size.students // 250)
        rows = []
        for n in range(n_cohorts):
            intake = intakes[n % 3]
            track = ("game-development", "animation")[(n // 3) % 2]
            label = {"game-development": ("GD", "Game Development"),
                     "animation": ("AN", "Animation and CG")}[track]
            code = f"JDU-{intake}-{label[0]}-{n // 6 + 1}"
            rows.append({"id": cohort_id + n, "code": code,
                         "name": f"JDU {label[1]} {intake}, group {n // 6 + 1}",
                         "intake_year": intake, "created_at": self.now})
            self.cohorts.append((cohort_id + n, intake, track))
        self.insert("cohorts", rows)

        user_id = self.next_id("users")
        users = []

        def user(role, person, email, **extra):
            nonlocal user_id
            name, name_ja, name_kana, _stem = person
            row = {"id": user_id, "email": email, "password_hash": password_hash, "role": role,
                   "name": name, "name_ja": name_ja, "name_kana": name_kana,
                   "student_number": None, "locale": None, "timezone": "Asia/Tashkent",
                   "cohort_id": None, "session_version": 1, "must_change_password": False,
                   "active": True, "created_at": self.now - timedelta(days=400)}
            row.update(extra)
            users.append(row)
            user_id += 1
            return row

        self.admins = [user("admin", ("Dilnoza Rahimova", "ラヒモワ・ディルノザ",
                                      "らひもわ でぃるのざ", ""), "bench.admin@jdu.example")["id"]]
        self.instructors = []
        for n in range(max(10, size.courses // 3)):
            person = shapes.japanese_person(rng)
            row = user("instructor", person, f"{person[3]}.{n}@partner.example.jp",
                       timezone="Asia/Tokyo", locale=rng.choice([None, "ja", "ja"]))
            self.instructors.append(row["id"])
        self.students = []  # (id, cohort index)
        for n in range(size.students):
            japanese = rng.random() < 0.08
            person = shapes.japanese_person(rng) if japanese else shapes.uzbek_person(rng)
            c = n % n_cohorts
            cid, intake, _track = self.cohorts[c]
            row = user("student", person, f"{person[3]}.{n}@student.jdu.example",
                       student_number=f"JDU{intake % 100:02d}{n:06d}", cohort_id=cid,
                       locale=rng.choices([None, "uz", "ja", "ru"], [70, 18, 8, 4])[0],
                       created_at=datetime(intake, 8, 25, tzinfo=UTC))
            self.students.append((row["id"], c))
        self.insert("users", users)

    # --- catalogue and content -------------------------------------------------------

    def catalogue(self) -> None:
        from sqlalchemy import select

        from lms.catalog.services import fold

        rng, size = self.rng, self.size
        t = self.tables
        inst = {code: (i, name, country, hours) for i, code, name, country, hours in
                self.conn.execute(select(t["institutions"].c.id, t["institutions"].c.code,
                                         t["institutions"].c.name, t["institutions"].c.country,
                                         t["institutions"].c.credit_hours))}
        next_inst = self.next_id("institutions")
        rows = []
        for n, (code, name) in enumerate(shapes.EXTRA_INSTITUTIONS):
            if code not in inst:
                rows.append({"id": next_inst + n, "code": code, "name": name, "country": "JP",
                             "credit_hours": 45})
                inst[code] = (next_inst + n, name, "JP", 45)
        self.insert("institutions", rows)
        self.institutions = inst
        tracks = {code: (i, title) for i, code, title in self.conn.execute(
            select(t["tracks"].c.id, t["tracks"].c.code, t["tracks"].c.title))}
        providers = {"game-development": ["TUT", "KGU", "FIT"],
                     "animation": ["NMU", "SDA"], "japanese": ["TUT", "NMU", "JDU"]}
        share = {"game-development": 0.45, "animation": 0.35, "japanese": 0.20}
        course_id = self.next_id("courses")
        self.courses = []  # dicts with id, code, track, title, hours, credits
        courses, credits, teachers = [], [], []
        credit_id = self.next_id("course_credits")
        for track, fraction in share.items():
            count = max(3, round(size.courses * fraction))
            topics = shapes.TOPICS[track]
            for k in range(count):
                topic = topics[k % len(topics)]
                roman = shapes.ROMAN[(k // len(topics)) % len(shapes.ROMAN)]
                code = f"{shapes.TRACK_PREFIX[track]}{100 + k}"
                provider = rng.choice(providers[track])
                pid, pname, pcountry, _ = inst[provider]
                title = {"en": f"{topic[0]} {roman}", "ja": f"{topic[1]} {roman}",
                         "uz": f"{topic[2]} {roman}"}
                description = shapes.course_description(topic, pname["ja"])
                hours = rng.choice([45, 90, 90, 135])
                language = "ja" if track == "japanese" or rng.random() < 0.15 else "en"
                jlpt = (["N5", "N4", "N3"][k % 3] if track == "japanese"
                        else "N3" if language == "ja" else None)
                parts = [code, *title.values(), *description.values(), *pname.values(),
                         provider, *tracks[track][1].values()]
                courses.append({
                    "id": course_id, "code": code, "title": title, "description": description,
                    "provider_id": pid, "track_id": tracks[track][0], "language": language,
                    "hours": hours, "jlpt_level": jlpt, "self_enroll": rng.random() < 0.2,
                    "published": True, "search_text": fold(" \n".join(parts)),
                    "created_at": self.now - timedelta(days=500), "updated_at": self.now})
                course_credits = [("JDU", Decimal(hours) / 30)]
                if pcountry == "JP":
                    course_credits.append((provider, Decimal(hours) / 45))
                for icode, amount in course_credits:
                    credits.append({"id": credit_id, "course_id": course_id,
                                    "institution_id": inst[icode][0],
                                    "credits": amount.quantize(Decimal("0.1"))})
                    credit_id += 1
                chosen = rng.sample(self.instructors, rng.choice([1, 1, 2]))
                teachers += [{"course_id": course_id, "user_id": u} for u in chosen]
                self.courses.append({"id": course_id, "code": code, "track": track,
                                     "title": title, "hours": hours, "instructors": chosen,
                                     "credits": [(inst[c][0], a) for c, a in course_credits]})
                course_id += 1
        self.insert("courses", courses)
        self.insert("course_credits", credits)
        self.insert("course_instructors", teachers)

    def content(self) -> None:
        rng, size = self.rng, self.size
        module_id = self.next_id("modules")
        version_id = self.next_id("module_versions")
        item_id = self.next_id("items")
        modules, versions, items, current = [], [], [], []
        per_module = size.items_per_course // size.modules_per_course
        for course in self.courses:
            outline = []  # (module id, key, kind, item id, settings)
            for m in range(size.modules_per_course):
                pattern = (shapes.LAST_MODULE_PATTERN if m == size.modules_per_course - 1
                           else shapes.MODULE_PATTERN)
                mkey = f"{course['code'].lower()}-m{m + 1}"
                modules.append({"id": module_id, "course_id": course["id"], "key": mkey,
                                "position": m, "current_version_id": None,
                                "created_at": self.now - timedelta(days=300)})
                numbers = [1, 2] if rng.random() < 0.1 else [1]  # some were re-uploaded
                mtitle = shapes.MODULE_TITLES[m % len(shapes.MODULE_TITLES)]
                for number in numbers:
                    sha = hashlib.sha256(f"{mkey}/{number}".encode()).hexdigest()
                    keys = []
                    for p in range(per_module):
                        kind = pattern[p % len(pattern)]
                        key = f"{kind}-{m + 1}-{p + 1}"
                        keys.append(key)
                        label = shapes.KIND_TITLE[kind]
                        title = {"en": f"{label[0]} {m + 1}.{p + 1}: {course['title']['en']}",
                                 "ja": f"{label[1]} {m + 1}.{p + 1}：{course['title']['ja']}",
                                 "uz": f"{label[2]} {m + 1}.{p + 1}"}
                        settings = dict(shapes.ITEM_SETTINGS[kind])
                        content: dict = {}
                        if kind == "page":
                            content = {"markdown": shapes.page_markdown(
                                course["title"]["en"], title["en"], rng, m * 10 + p + number)}
                        elif kind == "quiz":
                            content = shapes.quiz_content(rng)
                        elif kind == "assignment":
                            content = {"markdown": shapes.page_markdown(
                                course["title"]["en"], title["en"], rng, 99)}
                        elif kind == "video":
                            content = {"captions": {"en": f"media/{key}.en.vtt",
                                                    "ja": f"media/{key}.ja.vtt"}}
                        elif kind == "asset":
                            content = {"size": rng.randint(10_000, 50_000_000)}
                        optional = kind == "asset"
                        items.append({
                            "id": item_id, "version_id": version_id, "key": key, "kind": kind,
                            "position": p, "title": title, "required": not optional,
                            "weight": 0.0 if optional else {"quiz": 2.0, "assignment": 5.0}.get(
                                kind, 1.0),
                            "settings": settings,
                            "entry": shapes.ITEM_ENTRY[kind].format(key=key),
                            "content": content})
                        if number == numbers[-1]:
                            outline.append((module_id, key, kind, item_id, settings, not optional))
                        item_id += 1
                    versions.append({
                        "id": version_id, "module_id": module_id, "number": number,
                        "format": "native",
                        "title": {"en": mtitle[0], "ja": mtitle[1], "uz": mtitle[2]},
                        "description": {"en": f"{mtitle[0]} of {course['title']['en']}."},
                        "jlpt_level": None, "package_sha256": sha,
                        "package_size": rng.randint(100_000, 200_000_000),
                        "package_name": f"{mkey}.zip", "storage_key": sha, "warnings": [],
                        "changes": {"added": keys if number == 1 else [], "removed": [],
                                    "changed": [] if number == 1 else keys[:2]},
                        "note": None, "uploaded_by_id": course["instructors"][0],
                        "uploaded_at": self.now - timedelta(days=300 - number)})
                    version_id += 1
                current.append({"m": module_id, "v": version_id - 1})
                module_id += 1
            course["outline"] = outline
        self.insert("modules", modules)
        self.insert("module_versions", versions)
        self.insert("items", items)
        from sqlalchemy import bindparam

        mt = self.tables["modules"]
        self.conn.execute(mt.update().where(mt.c.id == bindparam("m"))
                          .values(current_version_id=bindparam("v")), current)

    # --- enrolments, progress, events, results ----------------------------------------

    def _pools(self):
        """Per track, courses with Zipf-like popularity (a few courses are very full)."""
        pools = {}
        for track in shapes.TOPICS:
            ids = [c for c in self.courses if c["track"] == track]
            self.rng.shuffle(ids)
            weights = [1 / (i + 1) ** 0.8 for i in range(len(ids))]
            pools[track] = (ids, weights)
        return pools

    def _pick(self, pool, n: int, taken: set) -> list[dict]:
        ids, weights = pool
        out = []
        for _ in range(n * 20):
            if len(out) == n:
                break
            course = self.rng.choices(ids, weights)[0]
            if course["id"] not in taken:
                taken.add(course["id"])
                out.append(course)
        return out

    def learning(self) -> None:
        rng, size = self.rng, self.size
        pools = self._pools()
        plans = []  # (student id, [(course, term)])
        for sid, c in self.students:
            _cid, intake, track = self.cohorts[c]
            taken: set = set()
            plan = [(course, self.terms[0]) for course in
                    self._pick(pools[track], size.current_courses - 1, taken)
                    + self._pick(pools["japanese"], 1, taken)]
            if intake < self.terms_year:
                for term in self.terms[1:]:
                    plan += [(course, term) for course in
                             self._pick(pools[track], size.past_courses - 1, taken)
                             + self._pick(pools["japanese"], 1, taken)]
            plans.append((sid, plan))

        # Skewed progress: items reached per current enrolment ~ 40 * Beta(0.7, b), most
        # near the start, a long tail far ahead; then nudged to hit the target row count.
        current = [(sid, course) for sid, plan in plans for course, term in plan
                   if term == self.terms[0]]
        per = size.items_per_course
        mean_rows = size.progress_rows / max(1, len(current))
        f = min(0.95, max(0.02, (mean_rows - 1) / per))
        a = 0.7
        b = a * (1 - f) / f
        reached = [min(per, int(per * rng.betavariate(a, b))) for _ in current]
        rows_of = lambda k: k + (1 if k < per else 0)  # noqa: E731 - done items + one open
        total = sum(rows_of(k) for k in reached)
        while total != size.progress_rows:
            i = rng.randrange(len(reached))
            if total < size.progress_rows and reached[i] < per:
                total += rows_of(reached[i] + 1) - rows_of(reached[i])
                reached[i] += 1
            elif total > size.progress_rows and reached[i] > 0:
                total += rows_of(reached[i] - 1) - rows_of(reached[i])
                reached[i] -= 1
        reach = dict(zip(((sid, course["id"]) for sid, course in current), reached, strict=True))

        enrol_id = self.next_id("enrollments")
        progress_id = self.next_id("item_progress")
        result_id = self.next_id("course_results")
        note_id = self.next_id("notifications")
        enrolments, progress, events, results, notes = [], [], [], [], []
        self.past_results = []  # (result id, student id, course, term, score)

        def flush(final=False):
            nonlocal enrolments, progress, events, results, notes
            if final or len(progress) > CHUNK * 5:
                self.insert("enrollments", enrolments)
                self.insert("item_progress", progress)
                self.insert("learning_events", events)
                self.insert("course_results", results)
                self.insert("notifications", notes)
                enrolments, progress, events, results, notes = [], [], [], [], []

        term_start = self.now - timedelta(days=80)
        for sid, plan in plans:
            for course, term in plan:
                past = term != self.terms[0]
                enrolments.append({
                    "id": enrol_id, "course_id": course["id"], "user_id": sid, "term": term,
                    "status": "completed" if past else "active", "source": "cohort",
                    "created_at": datetime.combine(term_end(term) - timedelta(days=150),
                                                   datetime.min.time(), UTC)})
                enrol_id += 1
                if past:
                    score = round(min(100.0, max(35.0, rng.gauss(76, 12))), 2)
                    when = datetime.combine(term_end(term), datetime.min.time(), UTC)
                    results.append({"id": result_id, "user_id": sid, "course_id": course["id"],
                                    "score": score, "completed_at": when})
                    self.past_results.append((result_id, sid, course, term, score))
                    result_id += 1
                    continue
                k = reach[(sid, course["id"])]
                last = self.now - timedelta(days=min(79.0, rng.expovariate(1 / 9)))
                first = term_start + (last - term_start) * rng.random() * 0.3
                outline = course["outline"]
                done_all = True
                scores = []
                for i, (module_id, key, kind, item_id, settings, required) in enumerate(
                        outline[:k + 1]):
                    finished = i < k
                    at = first + (last - first) * ((i + 1) / (k + 1))
                    score = passed = None
                    attempts, spent, resume = 0, rng.randint(60, 900), None
                    verbs = []
                    if kind in ("quiz", "assignment", "html5"):
                        attempts = rng.choice([1, 1, 2]) if kind == "quiz" else 1
                        pass_score = settings.get("pass_score", 60)
                        # Reached items are mostly passed; the open one is mostly not yet.
                        good = finished and rng.random() < 0.92
                        score = float(rng.randint(pass_score, 100) if good else
                                      rng.randint(20, pass_score - 1))
                        passed = score >= pass_score
                        verbs = ["attempted"] * attempts + ["passed" if passed else "failed"]
                        done = passed
                    elif kind == "video":
                        resume = {"position": round(rng.uniform(10, 600), 1)}
                        verbs = ["progressed", "progressed"] + (["completed"] if finished else [])
                        done = finished
                    else:
                        verbs = ["experienced"]
                        done = finished
                    if required and not done:
                        done_all = False
                    if score is not None:
                        scores.append(score)
                    progress.append({
                        "id": progress_id, "user_id": sid, "course_id": course["id"],
                        "module_id": module_id, "item_key": key, "completed": done,
                        "passed": passed, "best_score": score, "last_score": score,
                        "attempts": attempts, "time_spent": spent, "resume": resume,
                        "first_at": at - timedelta(minutes=20), "updated_at": at,
                        "completed_at": at if done else None})
                    progress_id += 1
                    for n, verb in enumerate(verbs):
                        result = None
                        if verb in ("passed", "failed"):
                            result = {"score": {"scaled": score / 100}, "success": passed}
                        elif verb == "progressed":
                            result = {"duration": f"PT{rng.randint(30, 300)}S"}
                        events.append({
                            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            "user_id": sid, "course_id": course["id"], "module_id": module_id,
                            "item_id": item_id, "item_key": key, "verb": ADL + verb,
                            "result": result,
                            "context": {"module": key.rsplit("-", 2)[0], "module_version": 1,
                                        "course": course["code"]},
                            "timestamp": at - timedelta(minutes=len(verbs) - n),
                            "stored": at - timedelta(minutes=len(verbs) - n)})
                if k >= per and done_all:
                    score = round(sum(scores) / len(scores), 2) if scores else 100.0
                    results.append({"id": result_id, "user_id": sid, "course_id": course["id"],
                                    "score": score, "completed_at": last})
                    result_id += 1
                    notes.append({"id": note_id, "user_id": sid, "kind": "course_complete",
                                  "data": {"course": course["code"], "score": score},
                                  "link": f"/learning/courses/{course['code']}",
                                  "created_at": last, "read_at": None})
                    note_id += 1
            flush()
        flush(final=True)

    # --- records (only where the records feature's tables exist) -----------------------

    def records(self) -> str:
        needed = ("final_results", "credit_records", "grade_scales", "program_students",
                  "student_numbers", "program_requirements")
        missing = [n for n in needed if not self.has_table(n)]
        if missing:
            return f"records skipped: no table {', '.join(missing)}"
        from sqlalchemy import select

        from lms.catalog.models import Institution
        from lms.extensions import db
        from lms.records import scales

        t = self.tables
        programs = {code: pid for pid, code in self.conn.execute(
            select(t["programs"].c.id, t["programs"].c.code))}
        if not {"GAME", "CGD"} <= set(programs):
            return "records skipped: programmes GAME/CGD missing"
        inst = self.institutions
        # Grade scale and bands per institution, read once through the records service.
        scale_of = {}
        for code, (iid, *_rest) in inst.items():
            institution = db.session.get(Institution, iid)
            try:
                scale_of[iid] = scales.scale_for(institution, term_end(self.terms[-1]))
            except Exception:  # noqa: BLE001 - no scale for this country: no records
                scale_of[iid] = None
        req_id = self.next_id("program_requirements")
        reqs = []
        plan = {"GAME": [("JDU", 240, "game-development", 60), ("TUT", 124, "game-development", 40)],
                "CGD": [("JDU", 240, "animation", 60), ("NMU", 124, "animation", 40)]}
        for code, lines in plan.items():
            for icode, total, category, cat_credits in lines:
                for kind, credits, cat in (("total", total, None),
                                           ("category", cat_credits, category)):
                    reqs.append({"id": req_id, "program_id": programs[code],
                                 "institution_id": inst[icode][0], "kind": kind,
                                 "category": cat, "course_id": None,
                                 "credits": Decimal(credits), "jlpt_level": None, "label": {},
                                 "created_at": self.now})
                    req_id += 1
        self.insert("program_requirements", reqs)
        members, numbers = [], []
        mid, nid = self.next_id("program_students"), self.next_id("student_numbers")
        for n, (sid, c) in enumerate(self.students):
            _cid, intake, track = self.cohorts[c]
            code = "GAME" if track == "game-development" else "CGD"
            members.append({"id": mid + n, "user_id": sid, "program_id": programs[code],
                            "admitted_on": date(intake, 9, 1), "created_at": self.now})
            japanese = "TUT" if code == "GAME" else "NMU"
            numbers.append({"id": nid + n, "user_id": sid, "institution_id": inst[japanese][0],
                            "number": f"{japanese}{intake % 100:02d}-{n + 1:06d}"})
        self.insert("program_students", members)
        self.insert("student_numbers", numbers)
        finals, records = [], []
        fid, rid = self.next_id("final_results"), self.next_id("credit_records")
        for n, (result_id, sid, course, term, score) in enumerate(self.past_results):
            awarded = term_end(term)
            finals.append({"id": fid + n, "user_id": sid, "course_id": course["id"],
                           "course_result_id": result_id, "score": Decimal(str(score)),
                           "term": term, "awarded_on": awarded, "source": "course",
                           "version": 1, "finalised_by_id": course["instructors"][0],
                           "finalised_at": self.now, "updated_by_id": course["instructors"][0],
                           "updated_at": self.now})
            for iid, credits in course["credits"]:
                scale = scale_of.get(iid)
                if scale is None:
                    continue
                band = scales.band_for(score, scale)
                records.append({
                    "id": rid, "user_id": sid, "institution_id": iid, "source": "course",
                    "result_id": fid + n, "course_id": course["id"],
                    "course_code": course["code"], "title": course["title"],
                    "category": course["track"], "credits": credits.quantize(Decimal("0.1")),
                    "hours": course["hours"], "score": Decimal(str(score)),
                    "grade": band.grade, "grade_labels": band.labels,
                    "grade_points": band.points, "passed": band.passing,
                    "counts_in_gpa": True, "scale_id": scale.id, "term": term,
                    "awarded_on": awarded, "origin": None, "external_grade": None,
                    "evidence_note": None, "evidence_path": None, "evidence_name": None,
                    "evidence_sha256": None, "revision": 1, "supersedes_id": None,
                    "reason": None, "created_by_id": course["instructors"][0],
                    "created_at": self.now})
                rid += 1
        self.insert("final_results", finals)
        self.insert("credit_records", records)
        return "records: audit log entries are not generated for bulk-made records"


def reset_sequences(conn) -> None:
    """PostgreSQL: explicit ids were inserted, so move every id sequence past them."""
    from sqlalchemy import text

    rows = conn.execute(text(
        "SELECT c.table_name FROM information_schema.columns c "
        "WHERE c.table_schema = 'public' AND c.column_name = 'id' "
        "AND c.column_default LIKE 'nextval%' OR (c.table_schema = 'public' AND "
        "c.column_name = 'id' AND c.is_identity = 'YES')")).scalars().all()
    for table in rows:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    size = SIZES[args.size]
    url = database_url(size.name)
    dialect = dialect_of(url)
    print(f"Generating size {size.name} ({size.students:,} students, {size.courses} courses, "
          f"{size.progress_rows:,} progress rows) into {url.split('@')[-1]}", flush=True)
    clock = Clock()
    fresh_database(url)
    DATA.mkdir(exist_ok=True)

    from flask_migrate import upgrade
    from sqlalchemy import text

    app = bench_app(url)
    with app.app_context():
        from lms.auth.services import hash_password
        from lms.catalog.services import current_term, load_catalog_file
        from lms.extensions import db

        upgrade()
        clock.lap("migrations")
        load_catalog_file(ROOT / "courses" / "catalog.yaml")
        note = ""
        try:
            from lms.records import scales

            scales.seed_grade_scales(None)
        except ImportError:
            note = "(no records feature: no grade scales)"
        password_hash = hash_password(BENCH_PASSWORD)
        clock.lap("reference data (services)", note)

        with db.engine.connect() as conn:
            if dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            gen = Generator(size, args.seed, conn, dialect)
            term = current_term()
            gen.terms = [term, term_before(term), term_before(term_before(term))]
            gen.terms_year = int(term[:4]) if term.endswith("autumn") else int(term[:4]) - 1
            gen.people(password_hash)
            conn.commit()
            clock.lap("cohorts and users", f"{gen.counts['users']:,} users")
            gen.catalogue()
            conn.commit()
            clock.lap("courses", f"{gen.counts['courses']} courses")
            gen.content()
            conn.commit()
            clock.lap("modules, versions, items", f"{gen.counts['items']:,} items")
            gen.learning()
            conn.commit()
            clock.lap("enrolments, progress, events",
                      f"{gen.counts['enrollments']:,} enrolments, "
                      f"{gen.counts['item_progress']:,} progress, "
                      f"{gen.counts['learning_events']:,} events, "
                      f"{gen.counts['course_results']:,} results")
            note = gen.records()
            conn.commit()
            clock.lap("records", f"{gen.counts.get('credit_records', 0):,} credit records; "
                      f"{note}")
            if dialect == "postgresql":
                reset_sequences(conn)
                conn.commit()
        if dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            clock.lap("vacuum analyze")
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            clock.lap("checkpoint")
        try:  # the Japanese feature's content search index, as a live site has it
            from lms.authoring.search import refresh_content_index
        except ImportError:
            pass
        else:
            indexed = refresh_content_index()
            clock.lap("content search index", f"{indexed:,} modules (lms.authoring.search)")
        db.engine.dispose()
    print(f"Done in {clock.total:.1f} s: " + ", ".join(
        f"{k} {v:,}" for k, v in sorted(gen.counts.items())), flush=True)


if __name__ == "__main__":
    main()
