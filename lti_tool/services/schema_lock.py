"""Deploys: migrations guarded against concurrent runs, and "is the schema current?" for /readyz."""
from __future__ import annotations

import contextlib
import zlib

from flask import current_app

from ..extensions import db

# One fixed key for "a deploy is migrating this database" (any 64-bit number; this one is a
# CRC of the name, so it does not collide with a number someone else picked by hand).
DEPLOY_LOCK_KEY = zlib.crc32(b"rapport db upgrade")


@contextlib.contextmanager
def deploy_lock():
    """Hold a PostgreSQL advisory lock while migrating, so hosts deploying at the same moment
    take turns: the second waits, then finds the schema at head and has nothing to do.

    The lock lives on its own connection, held for the whole upgrade, and is freed when that
    connection ends even if the process is killed. SQLite has one host and needs none.
    """
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as conn:
        conn.execute(db.text("SELECT pg_advisory_lock(:k)"), {"k": DEPLOY_LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(db.text("SELECT pg_advisory_unlock(:k)"), {"k": DEPLOY_LOCK_KEY})
            conn.commit()


def expected_heads() -> set[str]:
    """The migration heads this code ships (read from the scripts once per process)."""
    cache = current_app.extensions.setdefault("rapport_schema", {})
    if "heads" not in cache:
        from alembic.config import Config
        from alembic.script import ScriptDirectory
        cfg = Config()
        cfg.set_main_option("script_location", current_app.extensions["migrate"].directory)
        cache["heads"] = set(ScriptDirectory.from_config(cfg).get_heads())
    return cache["heads"]


def database_heads() -> set[str]:
    """Revisions stamped in the database (raises when there is no alembic_version table)."""
    return set(db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalars())
