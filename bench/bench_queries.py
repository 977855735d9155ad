"""SQL statements and commits per step of a student's exam start (login, launch, first page,
autosave, relaunch) and a 25-item submit, on SQLite and PostgreSQL, next to the budgets that
tests/lti_tool/test_query_budgets.py enforces. `-v` lists every statement.

Run: .venv/bin/python bench/bench_queries.py [-v]
"""
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_attempts import pg_database  # noqa: E402
from config import settings_for_tests  # noqa: E402
from tests.lti_tool import test_query_budgets as budgets  # noqa: E402
from tests.support.platform import TestPlatform  # noqa: E402

BUDGETS = {"login": budgets.LOGIN, "launch": budgets.LAUNCH, "first page": budgets.FIRST_PAGE,
           "autosave": budgets.AUTOSAVE, "relaunch": budgets.LAUNCH, "submit": budgets.SUBMIT}


def report(label, url, verbose):
    from lti_tool import create_app
    from lti_tool.commands.run_cli import prepare
    from lti_tool.extensions import db
    app = create_app(settings_for_tests(url))
    prepare(app)
    platform = TestPlatform()
    platform.register(app)
    try:
        logs = budgets.journey(app, platform)
    finally:
        platform.server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    for step, log in logs.items():
        b = BUDGETS[step]
        limit = f"budget {b['statements']}" + (f" / {b['commits']}" if "commits" in b else "")
        ok = len(log.statements) <= b["statements"] and log.commits <= b.get("commits", log.commits)
        print(f"{label:10s} {step:11s} {len(log.statements):3d} statements {log.commits} commits  "
              f"({limit}) {'ok' if ok else 'OVER'}")
        if verbose:
            print(log.report())


if __name__ == "__main__":
    verbose = "-v" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        report("SQLite", f"sqlite:///{tmp}/bench.db", verbose)
    pg = pg_database()
    if pg:
        import psycopg
        admin, name = pg
        try:
            report("PostgreSQL", admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name,
                   verbose)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
