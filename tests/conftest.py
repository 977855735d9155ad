import shutil

import pytest

from config import settings_for_tests
from tests.support.platform import TestPlatform


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Migrated schema plus the synced bundled bank, built once and copied per test."""
    from flask_migrate import upgrade

    from lti_tool import create_app
    from lti_tool.services.bank_store import sync_bundled
    path = tmp_path_factory.mktemp("db") / "template.db"
    app = create_app(settings_for_tests(f"sqlite:///{path}"))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        sync_bundled()
        from lti_tool.extensions import db
        db.engine.dispose()
    return path


@pytest.fixture
def app(template_db, tmp_path):
    from lti_tool import create_app
    path = tmp_path / "rapport.db"
    shutil.copy(template_db, path)
    app = create_app(settings_for_tests(f"sqlite:///{path}"))
    yield app
    with app.app_context():
        from lti_tool.extensions import db
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def platform(app):
    p = TestPlatform()
    p.register(app)
    yield p
    p.server.stop()
