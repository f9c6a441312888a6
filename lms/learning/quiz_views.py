"""Quiz attempts: start, answer, submit, feedback."""

from lms.learning import bp  # noqa: F401
