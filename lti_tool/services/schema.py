"""Migration state: is the database at the schema this code expects?"""
from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ..extensions import db


def heads(app) -> set[str]:
    cfg = Config()
    cfg.set_main_option("script_location", app.extensions["migrate"].directory)
    return set(ScriptDirectory.from_config(cfg).get_heads())


def current(app) -> set[str]:
    """Revisions stamped in the database (empty: no tables yet). Raises on connection errors."""
    with app.app_context():
        with db.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())


def problem(app) -> str | None:
    """None when the schema is at head; else one line saying what to run."""
    have, want = current(app), heads(app)
    if not have:
        return "the database has no tables yet; run: rapport db upgrade"
    if have != want:
        unknown = have - _all_revisions(app)
        if unknown:
            return (f"the database schema ({', '.join(sorted(unknown))}) is newer than this Rapport; "
                    "upgrade Rapport to the version that migrated it")
        return "the database schema is older than this Rapport; run: rapport db upgrade"
    return None


def _all_revisions(app) -> set[str]:
    cfg = Config()
    cfg.set_main_option("script_location", app.extensions["migrate"].directory)
    return {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}
