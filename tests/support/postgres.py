"""PostgreSQL for tests: a fresh database per test module, emptied between tests, and an in-test
platform registered in it. Tests using these skip with a reason where no PostgreSQL answers."""
import os
from contextlib import contextmanager
import uuid

import pytest

from config import settings_for_tests

PG_ADMIN = os.environ.get("RAPPORT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available():
    try:
        import psycopg
        with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), connect_timeout=2):
            return True
    except Exception:
        return False


PG_MARKS = [pytest.mark.postgres,
            pytest.mark.skipif(not _pg_available(), reason="PostgreSQL not reachable at " + PG_ADMIN)]


@contextmanager
def fresh_database(prefix: str = "rapport_test"):
    """A new, empty PostgreSQL database for the duration; its SQLAlchemy URL."""
    import psycopg
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = PG_ADMIN.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def pg_url():
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def pg_app(pg_url):
    from lti_tool.commands.run_cli import prepare
    from lti_tool import create_app
    app = create_app(settings_for_tests(pg_url))
    prepare(app)  # migrations, bundled bank, tool key
    return app


@pytest.fixture
def pg(pg_app):
    """Empty every table but the bank between tests."""
    from lti_tool.extensions import db
    yield pg_app
    with pg_app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in ("bank_item", "tool_key")]
        db.session.execute(db.text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture
def pg_platform(pg):
    from tests.support.platform import TestPlatform
    p = TestPlatform()
    p.register(pg)
    yield p
    p.server.stop()
