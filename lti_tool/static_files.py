"""Static files (CSS, scripts, icons) that browsers keep: each URL carries a hash of the file's
content (?v=...), and a request for the current hash is answered as cacheable for a year and
immutable, so a page load asks for none of them again; a changed file gets a new URL. A URL
without the current hash (an old page, a hand-typed link) is served as before: revalidated.

Without this, every page of an exam made the browser revalidate each file (a conditional GET
per file, each a request for a worker) or, in some browsers, fetch it again.
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from flask import request

YEAR = 365 * 24 * 3600
_hashes: dict[str, str | None] = {}
_lock = threading.Lock()


def content_hash(folder: str, filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, read once per process (None: no such file)."""
    key = f"{folder}\0{filename}"
    with _lock:
        if key in _hashes:
            return _hashes[key]
    path = Path(folder, filename).resolve()
    digest = None
    if path.is_relative_to(Path(folder).resolve()) and path.is_file():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    with _lock:
        _hashes[key] = digest
    return digest


def init_app(app) -> None:
    @app.url_defaults
    def versioned(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = content_hash(app.static_folder, values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def cache_versioned(resp):
        if request.endpoint == "static" and resp.status_code == 200:
            digest = content_hash(app.static_folder, (request.view_args or {}).get("filename", ""))
            if digest and request.args.get("v") == digest:
                resp.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                resp.headers["Cache-Control"] = "no-cache"
        return resp
