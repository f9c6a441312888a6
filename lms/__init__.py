"""Kakehashi: the application factory."""

from __future__ import annotations

import gc
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from lms.config import Config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Config order: Config -> instance/config.py -> LMS_* env -> DATABASE_URL.

    Tests pass ``test_config`` and then nothing is read from the environment or instance/.
    """
    with _first_build_kept_from_the_collector():
        return _build_app(test_config)


_first_build_started = False


@contextmanager
def _first_build_kept_from_the_collector() -> Iterator[None]:
    """The first app a process builds is the one it serves with (a worker's), and the
    ~100,000 objects made while building it (modules, classes, mappers, routes) live as
    long as the process. Python's cycle collector would scan them over and over while
    they are made (about a sixth of a worker's start) and again in every full collection
    afterwards. So it is paused for that first build and what was built is then set aside
    for good (``gc.freeze``); builds after the first (tests) leave the collector alone.
    """
    global _first_build_started
    if _first_build_started or not gc.isenabled():
        yield
        return
    _first_build_started = True
    gc.disable()
    try:
        yield
    except BaseException:
        gc.enable()
        raise
    gc.freeze()
    gc.enable()


def _build_app(test_config: dict | None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(Config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env(prefix="LMS")
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
        if os.environ.get("REDIS_URL"):
            app.config["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        app.config.update(test_config)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(
        app.config["SQLALCHEMY_DATABASE_URI"], Path(app.instance_path)
    )
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config.setdefault("MEDIA_ROOT", str(Path(app.instance_path) / "media"))

    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)

    from lms import cli, errors
    from lms.core import http_cache, pagecache, security, stamps  # noqa: F401 - stamps: listeners
    from lms.learning import templating
    from lms.ops.logging import install_request_log

    install_request_log(app)
    errors.register(app)
    security.register(app)
    pagecache.init_app(app)
    http_cache.register(app)
    templating.register(app)
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from lms.core import i18n
    from lms.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    i18n.register(app)


def _register_blueprints(app: Flask) -> None:
    # Explicit, in one visible list: no discovery.
    from lms.api import bp as api_bp
    from lms.auth import bp as auth_bp
    from lms.authoring import bp as authoring_bp
    from lms.catalog import bp as catalog_bp
    from lms.content import bp as content_bp
    from lms.japanese import bp as japanese_bp
    from lms.learning import bp as learning_bp
    from lms.ops import bp as ops_bp
    from lms.people import bp as people_bp
    from lms.records import bp as records_bp
    from lms.records import verify_bp
    from lms.reports import bp as reports_bp

    for bp in (auth_bp, people_bp, catalog_bp, authoring_bp, learning_bp, content_bp,
               records_bp, verify_bp, japanese_bp, api_bp, ops_bp, reports_bp):
        app.register_blueprint(bp)

    from flask import redirect, url_for

    @app.get("/")
    def index():
        return redirect(url_for("learning.dashboard"))


def _register_hooks(app: Flask) -> None:
    """What one feature plugs into another, in one visible list (docs/architecture.md):
    a lower feature offers a hook, the factory fills it, so nothing imports upwards."""
    from lms.content.services import PAGE_FILTERS
    from lms.learning import assignments, notify, progress, reminders
    from lms.learning.scorm import sco_page

    # content serves package pages; learning inserts the SCORM API adapter into SCO pages
    app.extensions[PAGE_FILTERS] = (sco_page,)
    # notification kinds: each feature defines the ones it sends (name, subject, text)
    notify.register_kinds(app, (*assignments.NOTIFICATIONS, *reminders.NOTIFICATIONS,
                                *progress.NOTIFICATIONS))


def _instance_secret(path: Path) -> str:
    """Read the instance secret, creating it once (race-safe across workers)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _database_url(url: str | None, instance: Path) -> str:
    if not url:
        return f"sqlite:///{instance / 'kakehashi.sqlite3'}"
    # Accept the common postgres:// spelling and pick psycopg 3 as the driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
