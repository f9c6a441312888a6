"""One JSON line per request, with a request id that is echoed in the response."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime

import pytest

from lms.ops.logging import logger
from tests.conftest import PASSWORD

FIELDS = {"time", "request_id", "method", "path", "status", "duration_ms", "user_id",
          "remote_addr"}


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def log_lines():
    handler = Lines()
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_one_json_line_per_request_with_every_field(client, log_lines):
    response = client.get("/healthz?secret=not-logged")
    assert len(log_lines.lines) == 1
    line = log_lines.lines[0]
    assert "\n" not in line and "not-logged" not in line  # the path only, no query string
    record = json.loads(line)
    assert set(record) == FIELDS
    assert record["method"] == "GET" and record["path"] == "/healthz"
    assert record["status"] == 200
    assert isinstance(record["duration_ms"], float) and record["duration_ms"] >= 0
    assert record["user_id"] is None
    assert record["remote_addr"] == "127.0.0.1"
    assert record["time"].endswith("Z")
    datetime.fromisoformat(record["time"].replace("Z", "+00:00"))
    assert re.fullmatch(r"[0-9a-f]{32}", record["request_id"])
    assert response.headers["X-Request-ID"] == record["request_id"]


def test_the_line_goes_to_standard_error(client, capsys):
    client.get("/healthz", headers={"X-Request-ID": "probe-1"})
    err = capsys.readouterr().err
    lines = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    assert [x["request_id"] for x in lines] == ["probe-1"]


def test_request_id_from_the_proxy_is_kept_and_echoed(client, log_lines):
    nginx_id = "0123456789abcdef0123456789abcdef"
    response = client.get("/healthz", headers={"X-Request-ID": nginx_id})
    assert response.headers["X-Request-ID"] == nginx_id
    assert log_lines.records()[0]["request_id"] == nginx_id


@pytest.mark.parametrize("hostile", ["has spaces", "x" * 129, '"quoted"', "-starts-with-dash",
                                     "tab\there", "日本語"])
def test_a_request_id_that_is_not_an_id_is_replaced(client, log_lines, hostile):
    response = client.get("/healthz", headers={"X-Request-ID": hostile})
    new_id = response.headers["X-Request-ID"]
    assert new_id != hostile and re.fullmatch(r"[0-9a-f]{32}", new_id)
    assert log_lines.records()[0]["request_id"] == new_id


def test_without_a_trusted_proxy_the_header_is_ignored(app, log_lines):
    app.config["REQUEST_ID_HEADER"] = ""
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "chosen-by-client"})
    assert response.headers["X-Request-ID"] != "chosen-by-client"


def test_every_request_gets_a_fresh_id(client, log_lines):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_signed_in_user_and_status_are_logged(client, login_as, log_lines):
    user = login_as("student")
    log_lines.lines.clear()
    client.get("/learning/")
    client.get("/no/such/page")
    first, second = log_lines.records()
    assert (first["path"], first["status"], first["user_id"]) == ("/learning/", 200, user.id)
    assert (second["status"], second["user_id"]) == (404, user.id)


def test_api_token_user_is_logged(client, make_user, log_lines):
    user = make_user("student")
    token = client.post("/api/v1/auth/token",
                        json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    log_lines.lines.clear()
    client.get("/api/v1/me/courses", headers={"Authorization": f"Bearer {token}"})
    (record,) = log_lines.records()
    assert record["path"] == "/api/v1/me/courses" and record["status"] == 200
    assert record["user_id"] == user.id


def test_lines_can_be_switched_off(app, log_lines):
    app.config["REQUEST_LOG"] = False
    response = app.test_client().get("/healthz")
    assert log_lines.lines == []
    assert response.headers["X-Request-ID"]  # the id is still given
