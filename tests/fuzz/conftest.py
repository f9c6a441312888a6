"""Fuzzing the package readers with Hypothesis.

Each example must end in a parsed result or a ``PackageError`` whose every problem has a
message; any other exception, or an example slower than the deadline, fails. The runs
are derandomised (the same examples every time, no example database), so CI is stable;
``FUZZ_EXAMPLES`` raises the count for a longer local hunt.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis.control import currently_in_test_context

from lms import create_app
from lms.core.errors import PackageError

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or None

settings.register_profile(
    "fuzz",
    max_examples=EXAMPLES or 200,
    deadline=timedelta(seconds=2),  # generous for a loaded CI machine; a hang is far longer
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
FUZZ = settings.get_profile("fuzz")


def fuzz_settings(max_examples: int):
    """The fuzz profile with this test's example count (unless FUZZ_EXAMPLES says)."""
    return settings(FUZZ, max_examples=EXAMPLES or max_examples)


@pytest.fixture(scope="module")
def request_context(tmp_path_factory):
    """Messages are translated, so the parsers need an app (no database is touched)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "fuzz",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "MEDIA_ROOT": str(tmp_path_factory.mktemp("fuzz-media"))})
    with app.test_request_context("/"):
        yield


def assert_clear_rejection(exc: PackageError) -> None:
    """A rejection lists at least one problem, and every problem says something."""
    assert isinstance(exc, PackageError)
    assert exc.problems, "a PackageError without problems"
    for problem in exc.problems:
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert problem.file is None or isinstance(problem.file, str)
        assert problem.line is None or (isinstance(problem.line, int) and problem.line >= 1)
    assert str(exc.message).strip()


def outcome(name: str) -> None:
    """Count an outcome in Hypothesis' statistics (--hypothesis-show-statistics)."""
    if currently_in_test_context():
        event(name)
