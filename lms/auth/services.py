"""Accounts, passwords, sessions and API tokens.

Views, the API and the CLI all come here; these functions own the commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import ApiToken, User
from lms.core import stamps
from lms.core.access import ROLES
from lms.core.db import utcnow
from lms.core.errors import Conflict, ValidationError
from lms.extensions import db

TOKEN_USE_RESOLUTION = timedelta(minutes=5)
MAX_PASSWORD_LENGTH = 1024  # long passphrases are fine; this only bounds hashing work
_DUMMY_HASH: dict[str, str] = {}


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg.get("ARGON2_TIME_COST", 2),
        memory_cost=cfg.get("ARGON2_MEMORY_COST", 19456),
        parallelism=cfg.get("ARGON2_PARALLELISM", 1),
    )


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().casefold() for s in lines if s.strip() and not s.startswith("#"))


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """Every reason ``password`` is refused, as messages; empty when it is acceptable."""
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(_("Use at least %(n)d characters.", n=minimum))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH))
    folded = password.casefold()
    if folded in _common_passwords() or len(set(password)) <= 2:
        problems.append(_("This password is too common; choose another."))
    elif email and folded == email.casefold():
        problems.append(_("The password must not be your e-mail address."))
    return problems


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def normalise_email(email: str) -> str:
    """Lower-cased, validated address; raises ValidationError with the reason."""
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(_("'%(email)s' is not a valid e-mail address.", email=email)) from exc
    return result.normalized.lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(
    email: str,
    name: str,
    role: str = "student",
    password: str | None = None,
    *,
    name_ja: str | None = None,
    name_kana: str | None = None,
    student_number: str | None = None,
    locale: str | None = None,
    cohort_id: int | None = None,
    must_change_password: bool = False,
    commit: bool = True,
) -> User:
    """Create an account. Raises ValidationError (bad field) or Conflict (e-mail taken)."""
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("A name is required."))
    if role not in ROLES:
        raise ValidationError(
            _("Role must be one of: %(roles)s.", roles=", ".join(ROLES))
        )
    if locale and locale not in current_app.config["LANGUAGES"]:
        raise ValidationError(_("Unknown language '%(code)s'.", code=locale))
    if user_by_email(email):
        raise Conflict(_("An account with the e-mail %(email)s already exists.", email=email))
    if student_number and db.session.scalar(
        select(User.id).where(User.student_number == student_number)
    ):
        raise Conflict(_("Student number %(number)s is already in use.", number=student_number))
    user = User(
        email=email,
        name=name,
        role=role,
        name_ja=(name_ja or "").strip() or None,
        name_kana=(name_kana or "").strip() or None,
        student_number=(student_number or "").strip() or None,
        locale=locale or None,
        cohort_id=cohort_id,
        must_change_password=must_change_password,
    )
    if password is not None:
        problems = password_problems(password, email=email)
        if problems:
            raise ValidationError(" ".join(problems))
        user.password_hash = hash_password(password)
    db.session.add(user)
    if commit:
        db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None.

    Takes about as long whether or not the account exists, so timing reveals nothing.
    """
    user = user_by_email(email or "") if email else None
    hasher = _hasher()
    if user is None or not user.password_hash or not user.active:
        key = repr(hasher)
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hasher.hash(secrets.token_hex(16))
        try:
            hasher.verify(_DUMMY_HASH[key], password or "")
        except VerificationError:
            pass
        return None
    try:
        hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        db.session.commit()
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session cookie of ``user`` (logout everywhere)."""
    user.session_version += 1
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """Check ``current``, set ``new`` and end every other session of the user."""
    try:
        ok = bool(user.password_hash) and _hasher().verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise ValidationError(_("The current password is not correct."))
    problems = password_problems(new, email=user.email)
    if problems:
        raise ValidationError(" ".join(problems))
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    db.session.commit()


def set_password(user: User, new: str, *, must_change: bool = False) -> None:
    """Admin reset: set a password without the current one; ends the user's sessions."""
    problems = password_problems(new, email=user.email)
    if problems:
        raise ValidationError(" ".join(problems))
    user.password_hash = hash_password(new)
    user.must_change_password = must_change
    user.session_version += 1
    db.session.commit()


def update_profile(
    user: User,
    *,
    name: str,
    name_ja: str | None,
    name_kana: str | None,
    locale: str | None,
    timezone: str,
) -> None:
    """Change what a user may change about themselves (never role or e-mail)."""
    if not name.strip():
        raise ValidationError(_("A name is required."))
    if locale and locale not in current_app.config["LANGUAGES"]:
        raise ValidationError(_("Unknown language '%(code)s'.", code=locale))
    if timezone not in current_app.config["TIMEZONES"]:
        raise ValidationError(_("Unknown time zone '%(zone)s'.", zone=timezone))
    user.name = name.strip()
    user.name_ja = (name_ja or "").strip() or None
    user.name_kana = (name_kana or "").strip() or None
    user.locale = locale or None
    user.timezone = timezone
    db.session.commit()


def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: ``"<id>:<session_version>"`` -> the user if still current."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    user = stamps.load_with_stamps(User, user_id)  # with the page-cache stamps, in one query
    if user is None or user.session_version != version or not user.active:
        return None
    return user


# --- API tokens -------------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_api_token(user: User, name: str = "api") -> tuple[str, ApiToken]:
    """A new bearer token; the plain value is returned once and never stored."""
    token = "kk_" + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        token_hash=_token_digest(token),
        name=name[:100],
        expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"],
    )
    db.session.add(record)
    db.session.commit()
    return token, record


def user_for_api_token(token: str) -> tuple[User, ApiToken] | None:
    """The user a valid (unexpired, unrevoked) bearer token belongs to, else None."""
    if not token or len(token) > 200:
        return None
    record = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user)).where(
        ApiToken.token_hash == _token_digest(token)))  # token and user: one query
    now = utcnow()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        return None
    if not record.user.active:
        return None
    # Written at most every few minutes: one write per API call would double the cost
    # of every event POST for a "last used" date nobody needs to the second.
    if record.last_used_at is None or now - record.last_used_at > TOKEN_USE_RESOLUTION:
        record.last_used_at = now
        db.session.commit()
    return record.user, record


def revoke_api_token(record: ApiToken) -> None:
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        db.session.commit()

