"""Static files: content-hashed URLs, cached for a year when the hash is current, revalidated otherwise."""
import re

from flask import url_for

from lti_tool import static_files


def test_pages_link_static_files_by_content_hash_and_browsers_keep_them(app, client):
    with app.test_request_context():
        url = url_for("static", filename="rapport.js")
    digest = static_files.content_hash(app.static_folder, "rapport.js")
    assert re.fullmatch(r"[0-9a-f]{12}", digest) and url == f"/static/rapport.js?v={digest}"
    resp = client.get(url)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == f"public, max-age={static_files.YEAR}, immutable"


def test_an_old_or_missing_hash_is_revalidated_and_a_missing_file_is_404(app, client):
    for url in ("/static/rapport.js?v=000000000000", "/static/rapport.js"):
        resp = client.get(url)
        assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/nothing-here.js").status_code == 404
    with app.test_request_context():
        assert url_for("static", filename="nothing-here.js") == "/static/nothing-here.js"
        assert static_files.content_hash(app.static_folder, "../__init__.py") is None
