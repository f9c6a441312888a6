"""Making a matrix entry's request as one of the world's visitors, and judging it."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from tests.security.matrix import PARAMS, Entry, readers_of

FORGED_TOKEN = "WzEsNF0.aaaaaa.forged-signature-forged-sig"  # noqa: S105
_PARAM_RE = re.compile(r"<(?:[a-z]+:)?(\w+)>")


def resolve(world_app, value: str, role: str) -> str:
    """A world value for ``role``: '=literal', a per-viewer token, or a world id."""
    if value.startswith("="):
        return value[1:]
    ids = world_app.world.ids
    if value in ("content_token", "scorm_token", "build_token"):
        return ids.get(f"{value}:{role}", FORGED_TOKEN)
    return str(ids[value])


def url_for_entry(world_app, entry: Entry, role: str) -> str:
    def fill(match):
        name = match.group(1)
        return resolve(world_app, entry.params[name] if name in entry.params else PARAMS[name],
                       role)

    url = _PARAM_RE.sub(fill, entry.rule)
    if entry.query:
        url += "?" + urlencode({k: resolve(world_app, v, role) for k, v in entry.query.items()})
    return url


def send(world_app, entry: Entry, role: str):
    """Make the entry's request as ``role``."""
    url = url_for_entry(world_app, entry, role)
    kwargs: dict = {"method": entry.method}
    if entry.rule.startswith("/api/"):
        client = world_app.client("anonymous")  # never a cookie: the bearer token only
        kwargs["headers"] = (world_app.fresh_token(role) if entry.fresh
                             else world_app.bearer(role))
        if entry.json is not None:
            kwargs["json"] = entry.json
        return client.open(url, **kwargs)
    client = world_app.client(role, fresh=entry.fresh)
    if entry.json is not None:
        kwargs["json"] = entry.json
        kwargs["headers"] = {"X-CSRFToken": client.csrf_token()}
    elif entry.form is not None:
        kwargs["data"] = {k: resolve(world_app, v, role) for k, v in entry.form.items()}
    return client.open(url, **kwargs)


def outcome(response, api: bool) -> str:
    status = response.status_code
    if api and status == 401:
        return "login"
    if not api and 300 <= status < 400:
        target = urlsplit(response.location or "")
        if target.path == "/auth/login" and "next=" in target.query:  # flask-login's
            return "login"
    if status < 400:
        return "ok"
    return str(status)


def leaked(world_app, response, role: str) -> list[str]:
    body = response.get_data().decode("utf-8", errors="replace")
    return [s for s in world_app.world.secrets if s in body and role not in readers_of(s)]
