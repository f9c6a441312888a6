"""Configuration defaults. Never secrets: those come from instance/ or the environment."""

from datetime import timedelta


class Config:
    # SECRET_KEY is deliberately absent: create_app generates one into instance/.
    SQLALCHEMY_DATABASE_URI = None  # None -> sqlite:///<instance>/kakehashi.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Sessions are signed cookies: nothing in a web process that a second one would need.
    SESSION_COOKIE_NAME = "kakehashi_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True behind HTTPS (LMS_SESSION_COOKIE_SECURE=true)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Uploads: the largest request body accepted anywhere; features set tighter limits.
    MAX_CONTENT_LENGTH = 256 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024

    LANGUAGES = {"en": "English", "ja": "日本語", "uz": "Oʻzbekcha", "ru": "Русский"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tashkent"
    TIMEZONES = ("Asia/Tashkent", "Asia/Tokyo", "UTC")

    # Flask-Limiter: memory unless REDIS_URL is set (see create_app).
    REDIS_URL = None
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"

    PASSWORD_MIN_LENGTH = 10
    API_TOKEN_LIFETIME = timedelta(days=30)

    # Uploaded HTML/SCORM may be served from a separate host (e.g. https://content.example).
    CONTENT_ORIGIN = None

    # The platform's public root URL (https://lms.jdu.uz): the root of xAPI activity IRIs
    # and verification links. Falls back to the request's host where there is one.
    PLATFORM_URL = None
    # Optional forwarding of xAPI statements to an external Learning Record Store.
    XAPI_LRS_URL = None
    XAPI_LRS_USERNAME = None
    XAPI_LRS_PASSWORD = None

    # Per-worker cache of the student pages opened most (lms/core/pagecache.py): entries
    # and the longest a page may live when only the clock moves; 0 seconds turns it off.
    PAGE_CACHE_SECONDS = 30
    PAGE_CACHE_ENTRIES = 2000

    DEMO_PASSWORD = "kakehashi-demo-2026"  # noqa: S105 - demo data only, printed by `make run`
