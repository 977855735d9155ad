"""The grade worker as a real process, killed with SIGKILL after the platform stored a score but
before Rapport recorded it; then a newer attempt. The gradebook must end at the grading
method's score, and the killed worker's score must never be written over the newer one."""
import os
import signal
import subprocess
import sys
import threading

from lti_tool.extensions import db
from lti_tool.grades import worker
from lti_tool.models import GradeSync
from tests.support.grades import answer_and_submit, expected_score, expire_claims, first_launch, next_attempt, sync_row


def test_sigkill_mid_post_then_newer_attempt(client, platform, app, tmp_path):
    a = first_launch(client, platform, app, grading_method="latest")
    answer_and_submit(app, a, 9)

    stored, release = threading.Event(), threading.Event()

    def hold(body):  # the platform has stored the score; the answer never reaches the worker
        stored.set()
        release.wait(30)
    platform.after_store = hold
    env = dict(os.environ, RAPPORT_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               RAPPORT_INSTANCE_PATH=str(tmp_path), RAPPORT_BASE_URL=app.config["BASE_URL"])
    proc = subprocess.Popen([sys.executable, "-m", "lti_tool.cli", "worker"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert stored.wait(60), "the worker process never posted"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        platform.after_store = None
        release.set()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    first_stored = platform.gradebook[("7", "student-1")]["score"]
    row = sync_row(app)
    assert row.status == "pending" and row.claimed_until is not None  # Rapport never heard back

    b = next_attempt(app, a)
    answer_and_submit(app, b, 2)
    expire_claims(app)  # the dead worker's claim runs out
    with app.app_context():
        worker.run_once()
        worker.run_once()
    final = platform.gradebook[("7", "student-1")]["score"]
    assert final["scoreGiven"] == expected_score(app) != first_stored["scoreGiven"]
    assert [s["scoreGiven"] for s in platform.accepted] == [first_stored["scoreGiven"], final["scoreGiven"]]
    with app.app_context():
        assert db.session.execute(db.select(GradeSync.status)).scalar_one() == "delivered"
