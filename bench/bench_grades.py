"""Submit (grade + gradebook sync request in one transaction) and grade delivery (AGS POSTs through the worker).

Delivery posts to an in-test platform over loopback HTTP, so the figure includes a real
HTTP round trip per score but no LMS work. Run: .venv/bin/python bench/bench_grades.py
"""
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import settings_for_tests  # noqa: E402
from tests.support.platform import TestPlatform  # noqa: E402

N = 100


def main():
    from lti_tool.commands.run_cli import prepare
    from lti_tool import create_app
    from lti_tool.extensions import db
    from lti_tool.grades import worker
    from lti_tool.models import Attempt
    from lti_tool.services import attempts
    tmp = tempfile.mkdtemp()
    try:
        app = create_app(settings_for_tests(f"sqlite:///{tmp}/bench.db"))
        prepare(app)  # migrations, bundled bank, tool key
        platform = TestPlatform()
        platform.register(app)
        client = app.test_client()
        for i in range(N):
            platform.launch(client, sub=f"s{i}")
        with app.app_context():
            ids = db.session.execute(db.select(Attempt.id)).scalars().all()
            start = time.perf_counter()
            for aid in ids:
                attempts.submit(aid)
            submit_s = time.perf_counter() - start
            start = time.perf_counter()
            while worker.run_once(limit=50):
                pass
            deliver_s = time.perf_counter() - start
        assert len(platform.scores) == N
        print(f"submit (grade 10 items + sync request): {N / submit_s:7.1f} /s ({1000 * submit_s / N:.1f} ms each)")
        print(f"grade delivery (token cached, loopback AGS POST): {N / deliver_s:7.1f} scores/s "
              f"({1000 * deliver_s / N:.1f} ms each)")
        platform.server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
