"""Shared by the generator and the runner: sizes, where the data lives, the bench app."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
# The app code the measurements use: a snapshot taken by run.py (the work tree may change
# while a run goes on), else the work tree itself.
APP_ROOT = Path(os.environ.get("BENCH_APP_ROOT") or ROOT)
sys.path.insert(0, str(ROOT))
if APP_ROOT != ROOT:
    sys.path.insert(0, str(APP_ROOT))

BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 - generated benchmark accounts only
CURRENT_TERM = "2026-spring"
PAST_TERMS = ("2025-spring", "2025-autumn")


@dataclass(frozen=True)
class Size:
    name: str
    students: int
    courses: int
    progress_rows: int  # item_progress rows, current term
    items_per_course: int = 40
    modules_per_course: int = 5
    current_courses: int = 4  # per student this term
    past_courses: int = 3  # per student per past term (older cohorts only)
    events_per_progress: float = 1.5


SIZES = {
    "S": Size("S", 1_000, 40, 50_000),
    "M": Size("M", 10_000, 200, 500_000),
    "L": Size("L", 50_000, 400, 2_500_000),
}


def database_url(size: str) -> str:
    """DATABASE_URL if set (PostgreSQL), else the size's SQLite file in bench/data/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
    return f"sqlite:///{DATA / f'bench-{size}.sqlite3'}"


def sqlite_path(url: str) -> Path | None:
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def bench_app(url: str, **extra):
    """The real app on the bench database (nothing read from instance/ or LMS_*)."""
    from lms import create_app

    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key",
              "MEDIA_ROOT": str(DATA / "media"), "RATELIMIT_ENABLED": False}
    config.update(extra)
    return create_app(config)


def dialect_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"
