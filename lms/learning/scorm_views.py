"""SCORM run-time and html5 score reports from sandboxed content."""

from lms.learning import bp  # noqa: F401
