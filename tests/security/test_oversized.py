"""Oversized bodies: a request whose Content-Length is above MAX_CONTENT_LENGTH gets 413
before the server reads its body. Checked on a live server over a raw socket: only the
headers are sent, and the answer must come back while the body is still unsent."""

from __future__ import annotations

import http.client
import socket
import threading

import pytest
from werkzeug.serving import make_server

from lms.extensions import limiter
from tests.conftest import PASSWORD
from tests.factories import make_course


@pytest.fixture
def live_server(app):
    """The test app on a free port (as in tests/browser/conftest.py)."""
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=5)


def headers_only(port: int, path: str, length: int, content_type: str,
                 cookie: str | None = None) -> tuple[int, bytes]:
    """Send a POST's headers announcing ``length`` bytes, none of the body; return the
    status and what came back (fails on a timeout: the server waited for the body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
                 f"Content-Type: {content_type}", f"Content-Length: {length}",
                 "Connection: close"]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            pytest.fail(f"no answer to POST {path} without its body: the server waited for it")
    status_line = received.split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1]), received


def sign_in(port: int, email: str) -> str:
    """A session cookie from signing in over HTTP (the page's CSRF token first)."""
    import re

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/auth/login")
    page = conn.getresponse()
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)
    body = f"email={email}&password={PASSWORD.replace(' ', '+')}&csrf_token={token}"
    conn.request("POST", "/auth/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    assert response.status == 302
    return response.getheader("Set-Cookie").split(";", 1)[0]


@pytest.mark.parametrize(("path", "content_type"), [
    ("/auth/login", "application/x-www-form-urlencoded"),
    ("/auth/login", "multipart/form-data; boundary=x"),
    ("/api/v1/auth/token", "application/json"),
    ("/verify", "multipart/form-data; boundary=x"),
])
def test_too_large_is_refused_before_the_body(app, live_server, path, content_type):
    too_large = app.config["MAX_CONTENT_LENGTH"] + 1
    status, received = headers_only(live_server, path, too_large, content_type)
    assert status == 413, received[:300]


def test_an_instructors_huge_upload_is_refused_before_the_body(app, live_server, make_user):
    teacher = make_user("instructor")
    with app.app_context():
        make_course("BIG101", instructors=[teacher.email])
    cookie = sign_in(live_server, teacher.email)
    status, received = headers_only(live_server, "/authoring/BIG101/upload",
                                    app.config["MAX_CONTENT_LENGTH"] + 1,
                                    "multipart/form-data; boundary=x", cookie)
    assert status == 413, received[:300]


def test_a_body_within_the_limit_is_read(app, live_server):
    """The control: the same request with a small body is answered normally."""
    conn = http.client.HTTPConnection("127.0.0.1", live_server, timeout=5)
    conn.request("POST", "/api/v1/auth/token", body=b"{}",
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 422
    response.read()
