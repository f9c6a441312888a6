"""Instructor views of a course: progress grid, stalled students, quiz item analysis."""

from lms.learning import bp  # noqa: F401
