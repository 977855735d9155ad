"""Small SQL helpers that keep a request's statement count down (issue 13's query budgets)."""
from __future__ import annotations

import weakref

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db


def insert_unless_exists(model):
    """INSERT ... ON CONFLICT DO NOTHING for `model` (SQLite and PostgreSQL say it alike).

    With .returning(model.id), the id comes back only if this statement made the row: one
    statement both creates a row and tells whether another request made it first, where
    "look, then insert, then catch the IntegrityError" costs two or three (and a savepoint).
    """
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()


def adopt(obj):
    """Put an object whose row this transaction just inserted with a Core statement into the
    session, as if loaded, without reading it back. Unset attributes load on first use."""
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


def commit_keeping_loaded() -> None:
    """Commit without expiring what the request already loaded.

    For a commit in the middle of a request (an autosave, the submit request), so the rest of
    the request does not re-read every row it holds (an attempt's items and their bank items
    are N+1 queries). Only where the request wrote through the ORM or set what it changed.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


_prepared: dict = {}


def prepared(name: str, build):
    """A Core statement built once per process and dialect (`build()` makes it, with bindparams for
    what changes), for the writes every launch or autosave makes. Building an ORM statement with
    .values() and computing its cache key cost ~0.3 ms each time; executing a prepared one with a
    dict of parameters skips both."""
    key = (name, db.engine.dialect.name)
    stmt = _prepared.get(key)
    if stmt is None:
        stmt = _prepared[key] = build()
    return stmt


_database_keys: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def database_key() -> str:
    """The database this app writes to, as a string for per-process cache keys (a test's fresh
    database is another key). Rendering the URL cost ~0.1 ms; it is done once per engine."""
    engine = db.engine
    key = _database_keys.get(engine)
    if key is None:
        key = _database_keys[engine] = engine.url.render_as_string(hide_password=True)
    return key
