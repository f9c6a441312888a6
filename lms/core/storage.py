"""The one storage helper: where media lives (instance/media, or a shared volume)."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from flask import current_app


def media_root() -> Path:
    root = Path(current_app.config["MEDIA_ROOT"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def media_path(*parts: str) -> Path:
    """A path inside the media root; refuses anything that would leave it."""
    root = media_root().resolve()
    path = root.joinpath(*parts).resolve()
    if path != root and root not in path.parents:
        raise ValueError("path escapes the media root")
    return path


@contextmanager
def scratch_file(suffix: str = ""):
    """A temporary file on the media volume (so a later rename stays on one filesystem)."""
    folder = media_path("tmp")
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
