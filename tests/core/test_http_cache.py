"""Static files are fingerprinted and cached for a year; text responses are compressed,
HTML pages are not (BREACH)."""

import gzip
import re
from pathlib import Path

import brotli


def static_link(client, name: str) -> str:
    page = client.get("/auth/login").get_data(as_text=True)
    match = re.search(rf'(/static/{re.escape(name)}\?v=[0-9a-f]+)"', page)
    assert match, f"no fingerprinted link to {name} on the page"
    return match.group(1)


def test_a_fingerprinted_static_file_is_immutable(client, app):
    url = static_link(client, "css/app.css")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    body = Path(app.static_folder, "css/app.css").read_bytes()
    assert response.get_data() == body


def test_an_unversioned_or_outdated_link_revalidates(client):
    url = static_link(client, "css/app.css")
    for stale in ("/static/css/app.css", url.split("?")[0] + "?v=000000000000"):
        response = client.get(stale)
        response.close()
        assert response.headers["Cache-Control"] == "no-cache"
        again = client.get(stale, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_the_fingerprint_follows_the_file(client, app, tmp_path):
    first = static_link(client, "css/app.css")
    path = Path(app.static_folder, "css/app.css")
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n/* changed */\n")
        assert static_link(client, "css/app.css") != first
    finally:
        path.write_bytes(original)
    assert static_link(client, "css/app.css") == first


def test_text_is_compressed_as_the_browser_accepts(client, app):
    url = static_link(client, "js/app.js")
    body = Path(app.static_folder, "js/app.js").read_bytes()
    br = client.get(url, headers={"Accept-Encoding": "br"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.get_data()) == body
    gz = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.get_data()) == body
    assert "Accept-Encoding" in gz.headers.get("Vary", "")
    plain = client.get("/api/v1/openapi.json")
    spec = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert spec.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(spec.get_data()) == plain.get_data()
    assert len(spec.get_data()) < len(plain.get_data()) / 3


def test_html_pages_are_not_compressed(client):
    response = client.get("/auth/login", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert "<form" in response.get_data(as_text=True)
