"""`rapport grades` as a real process: status, reconcile, send-again; failures in one line."""
import os
import subprocess
import sys

from lti_tool.grades import worker
from tests.support.grades import answer_and_submit, first_launch

RAPPORT = [sys.executable, "-m", "lti_tool.cli"]


def run(args, tmp_path, app=None):
    env = dict(os.environ, RAPPORT_INSTANCE_PATH=str(tmp_path))
    env.pop("RAPPORT_DATABASE_URL", None)
    if app is not None:
        env.update(RAPPORT_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], RAPPORT_BASE_URL=app.config["BASE_URL"])
    return subprocess.run(RAPPORT + args, capture_output=True, text=True, env=env, timeout=120)


def test_reconcile_status_and_send_again(client, platform, app, tmp_path):
    a = first_launch(client, platform, app)
    answer_and_submit(app, a, 4)
    with app.app_context():
        worker.run_once()
    r = run(["grades", "reconcile"], tmp_path, app)
    assert r.returncode == 0 and "1 students checked, 0 differ" in r.stdout, r.stdout + r.stderr
    key = ("7", "student-1")
    platform.gradebook[key]["score"] = dict(platform.gradebook[key]["score"], scoreGiven=7.0)
    r = run(["grades", "reconcile", "--context", "course-1"], tmp_path, app)
    assert r.returncode == 1 and "1 differ" in r.stdout and "student-1" in r.stdout and "gradebook 7 / 10" in r.stdout
    assert "rapport grades reconcile --fix --context course-1" in r.stdout
    r = run(["grades", "reconcile", "--fix"], tmp_path, app)
    assert r.returncode == 0 and "1 queued" in r.stdout
    r = run(["grades", "status"], tmp_path, app)
    assert r.returncode == 0 and "pending 1" in r.stdout
    platform.down = True
    with app.app_context():
        worker.run_once()
    r = run(["grades", "status"], tmp_path, app)
    assert "unreachable since" in r.stdout and "502" in r.stdout and "<" not in r.stdout
    assert "oldest waiting: row 1" in r.stdout
    r = run(["grades", "show", "1"], tmp_path, app)
    assert r.returncode == 0 and "student-1" in r.stdout and "owed now: " in r.stdout and "502" in r.stdout
    platform.down = False
    r = run(["grades", "retry", "--all-failed"], tmp_path, app)
    assert r.returncode == 0 and "1 queued" in r.stdout
    with app.app_context():
        worker.run_once()
    assert platform.gradebook[key]["score"]["scoreGiven"] != 7.0


def test_grades_failures_are_one_line(tmp_path):
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    r = run(["grades", "status"], tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == "grades: none yet"
    for args, code in ((["grades", "reconcile", "--context", "nope"], 1), (["grades", "retry"], 2),
                       (["grades", "retry", "42"], 1), (["grades", "show", "42"], 1),
                       (["grades", "retry", "1", "--all-failed"], 2)):
        r = run(args, tmp_path)
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        assert r.returncode == code and len(lines) == 1 and lines[0].startswith("rapport: error:"), r.stderr
