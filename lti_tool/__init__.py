"""Rapport: an LTI 1.3 therapeutic-alliance assessment tool."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Assemble the app: settings, extensions, blueprints, error pages. Nothing else."""
    from config import Settings

    from . import errors, logs, metrics, models, rate_limits, security, static_files  # noqa: F401  (models register their tables)
    from .blueprints import admin, health, instructor, instructor_bank, item_media, lti, practice, registration, student
    from .extensions import csrf, db, migrate

    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder="static")
    app.config.update(config if config is not None else Settings.from_env())
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    for bp in (lti.bp, registration.bp, student.bp, practice.bp, instructor.bp, instructor_bank.bp, item_media.bp,
               health.bp, admin.bp):
        app.register_blueprint(bp)
    errors.init_app(app)
    logs.init_app(app)
    metrics.init_app(app)
    metrics.listen(db)
    security.init_app(app)
    static_files.init_app(app)
    rate_limits.init_app(app)  # after the blueprints: it wraps their views
    return app
