"""Assignment submissions and the grading queue."""

from lms.learning import bp  # noqa: F401
