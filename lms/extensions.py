"""Flask extensions, created unbound; create_app binds them."""

from __future__ import annotations

import importlib
import threading

import click
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from lms.core.db import Base


class _DeferredGroup(click.Group):
    """A CLI group that imports its real implementation when it is run or listed: its
    one-line help is all ``flask --help`` needs."""

    def __init__(self, name: str, target: str, help: str):  # noqa: A002 - click's name
        super().__init__(name, help=help)
        self._target = target

    def real(self) -> click.Group:
        module, _, attribute = self._target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def make_context(self, info_name, args, parent=None, **extra):
        # The context belongs to the real group, so click invokes it and its subcommands.
        return self.real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self.real().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return self.real().get_command(ctx, cmd_name)


class _MigrateSettings:
    """What Flask-Migrate keeps in ``app.extensions["migrate"]`` (its ``_MigrateConfig``:
    the functions of flask_migrate and migrations/env.py read these attributes)."""

    def __init__(self, migrate: LazyMigrate, db, directory: str, configure_args: dict):
        self.migrate = migrate
        self.db = db
        self.directory = directory
        self.configure_args = configure_args

    @property
    def metadata(self):
        return self.db.metadata


class LazyMigrate:
    """Flask-Migrate, imported on first use.

    Importing flask_migrate loads Alembic and Mako, a fifth of a worker's start-up, and
    serving requests never needs them: only ``flask db ...``, ``flask_migrate.upgrade()``
    and the migration tests do. ``init_app`` takes Flask-Migrate's arguments and leaves
    the same ``app.extensions["migrate"]`` attributes and ``flask db`` commands.
    """

    def __init__(self) -> None:
        self._real = None
        self._lock = threading.Lock()
        self._db = None
        self._directory = "migrations"
        self._configure_args: dict = {}

    def init_app(self, app, db, directory: str = "migrations", command: str = "db",
                 compare_type: bool = True, render_as_batch: bool = True, **kwargs) -> None:
        self._db, self._directory = db, str(directory)
        self._configure_args = {**kwargs, "compare_type": compare_type,
                                "render_as_batch": render_as_batch}
        if self._real is not None:
            self._real.db, self._real.directory = db, self._directory
        app.extensions["migrate"] = _MigrateSettings(self, db, self._directory,
                                                     self._configure_args)
        app.cli.add_command(_DeferredGroup(command, "flask_migrate.cli:db",
                                           "Perform database migrations."))

    def real(self):
        """The flask_migrate.Migrate these settings stand for (created once)."""
        if self._real is None:
            with self._lock:
                if self._real is None:
                    from flask_migrate import Migrate

                    self._real = Migrate(db=self._db, directory=self._directory,
                                         **self._configure_args)
        return self._real

    def get_config(self, directory=None, x_arg=None, opts=None):
        return self.real().get_config(directory, x_arg, opts)

    def configure(self, f):
        return self.real().configure(f)

    def call_configure_callbacks(self, config):
        return self.real().call_configure_callbacks(config)


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
