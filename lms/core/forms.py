"""The one base form every form subclasses."""

from flask_wtf import FlaskForm


class LmsForm(FlaskForm):
    """CSRF-protected form. Forms validate input only; they never touch the database."""

    class Meta:
        locales = False  # WTForms messages come through Flask-Babel via our own messages

    def first_errors(self) -> list[str]:
        return [f"{self[name].label.text}: {errs[0]}" for name, errs in self.errors.items()]
