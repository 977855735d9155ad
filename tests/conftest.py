import shutil

import pytest

from config import settings_for_tests
from tests.support.platform import TestPlatform


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Migrated schema plus the synced bundled bank, built once and copied per test."""
    from lti_tool.commands.run_cli import prepare
    from lti_tool import create_app
    path = tmp_path_factory.mktemp("db") / "template.db"
    app = create_app(settings_for_tests(f"sqlite:///{path}"))
    prepare(app)  # migrations, bundled bank, tool key
    with app.app_context():
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
    from lti_tool.lti.ags import TenantServiceConnector
    TenantServiceConnector.forget()  # each test's platform issues its own tokens
    from lti_tool import shared_state
    # A refetch marker left by an earlier test's platform on a reused port must not throttle this one's.
    shared_state.cache_forget("jwks-refetch")
    p = TestPlatform()
    p.register(app)
    yield p
    p.server.stop()
