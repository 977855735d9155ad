"""Building the app for a command: from the environment, checked against the schema, or
prepared (migrated, bank synced, keys made)."""
from __future__ import annotations


def make_app(**overrides):
    from config import Settings

    from .. import create_app
    return create_app(Settings.from_env(**overrides))


def ready_app(**overrides):
    """The app, after checking the database is reachable and at the current schema."""
    from ..services import schema
    from .errors import SchemaNotReady
    app = make_app(**overrides)
    problem = schema.problem(app)
    if problem:
        raise SchemaNotReady(problem)
    return app


def prepare(app) -> dict:
    """Schema to head, bundled bank synced, a current and a next tool key. Idempotent, and safe
    when several hosts deploy at once: on PostgreSQL they take turns (an advisory lock)."""
    from flask_migrate import upgrade

    from ..lti.keys import ensure_keys
    from ..services.bank_store import sync_bundled
    from ..services.schema_lock import deploy_lock
    with app.app_context(), deploy_lock():
        upgrade(directory=app.extensions["migrate"].directory)
        counts = sync_bundled()
        ensure_keys()
    return counts
