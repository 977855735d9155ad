"""Instructions per student step, counted by valgrind's callgrind: unlike every timing in bench/,
the count does not move with the machine's load, so two versions of the code compare exactly.

In this process, through the Flask test client, on SQLite: a login + id_token post + first page
per student, autosaves on one attempt, then 25-item submits; each phase N times after a warm-up.
The platform's RS256 signing (the test platform's work, not Rapport's) is counted on its own
and taken out of the launch figure. Takes a few minutes (callgrind runs the code ~50x slower).

Run: .venv/bin/python bench/instructions.py [-n 30]   (needs valgrind: apt-get install valgrind)
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("signs", "launches", "autosaves", "submits")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=30, help="students (and autosaves, and submits) per phase")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        run_steps(args.n)
        return
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        print("instructions: valgrind not found; install it (apt-get install valgrind) and run again")
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        env = dict(os.environ, PYTHONHASHSEED="0", RAPPORT_UNDER_CALLGRIND="1")
        done = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
                               __file__, "--inside", "-n", str(args.n)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            print(f"instructions: the counted run failed: {done.stderr.strip().splitlines()[-1:]}")
            return
        counts = read_dumps(Path(tmp))
    sign = counts["signs"] / args.n
    print(f"instructions per step (callgrind, SQLite, n={args.n}; the platform's RS256 signing, "
          f"{sign / 1e6:.2f} M, taken out of the launch)")
    print(f"  full launch (login + id_token post + first page) {(counts['launches'] / args.n - sign) / 1e6:8.2f} M")
    print(f"  autosave                                          {counts['autosaves'] / args.n / 1e6:8.2f} M")
    print(f"  submit and grade, 25 items                        {counts['submits'] / args.n / 1e6:8.2f} M")


def read_dumps(folder: Path) -> dict[str, int]:
    """Phase label -> instructions, from the dumps callgrind_control -d wrote (one per phase)."""
    counts = {}
    for path in folder.glob("cg.out.*"):
        text = path.read_text(errors="replace")
        label = re.search(r"^desc: Trigger: dump (\S+)", text, re.M)
        total = re.search(r"^summary: (\d+)", text, re.M)
        if label and total:
            counts[label.group(1)] = int(total.group(1))
    return counts


def dump(label: str) -> None:
    """End a phase: callgrind writes what it counted since the last dump, under `label`."""
    subprocess.run(["callgrind_control", "-d", label, str(os.getpid())],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def run_steps(n: int) -> None:
    sys.path.insert(0, str(ROOT))
    from werkzeug.datastructures import MultiDict

    from config import settings_for_tests
    from lti_tool import create_app
    from lti_tool.commands.app_setup import prepare
    from tests.lti_tool import test_query_budgets as journey
    from tests.support.platform import TestPlatform

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(settings_for_tests(f"sqlite:///{tmp}/count.db"))
        prepare(app)
        platform = TestPlatform()
        platform.register(app)
        try:
            clients = iter([app.test_client() for _ in range(2 * n + 10)])

            def launch(sub):
                client = next(clients)
                resp = journey._launch(client, platform, sub)
                assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
                return client, resp

            for k in range(5):  # caches warm, as in any exam start
                client, resp = launch(f"warm-{k}")
                assert client.get(resp.headers["Location"]).status_code == 200
            dump("setup")
            for k in range(n):
                platform.sign(platform.claims("n" * 20, sub=f"sign-{k}"))
            dump("signs")
            for k in range(n):
                client, resp = launch(f"student-{k}")
                assert client.get(resp.headers["Location"]).status_code == 200
            dump("launches")

            client, resp = launch("saver")
            attempt_id, lt, _ = journey._attempt_of(resp)
            client.post(f"/attempt/{attempt_id}/start", data={"lt": lt})
            position, fields = journey._answers(app, attempt_id)[0]
            dump("save-setup")
            for k in range(n):
                saved = client.post(f"/attempt/{attempt_id}/save", headers={"X-Launch-Token": lt},
                                    environ_base={"REMOTE_ADDR": f"10.7.{k // 250}.{k % 250}"},
                                    data=MultiDict(fields + [("position", str(position)), ("seq", str(k + 1))]))
                assert saved.status_code == 200, saved.get_data(as_text=True)[:300]
            dump("autosaves")

            journey._set_items(app, 25)
            ready = []
            for k in range(n):
                client, resp = launch(f"submitter-{k}")
                attempt_id, lt, _ = journey._attempt_of(resp)
                form = [("has_answers", "1"), ("lt", lt)]
                for position, fields in journey._answers(app, attempt_id):
                    client.post(f"/attempt/{attempt_id}/save", headers={"X-Launch-Token": lt},
                                environ_base={"REMOTE_ADDR": f"10.8.{k}.{position}"},
                                data=MultiDict(fields + [("position", str(position)), ("seq", "1")]))
                    form += fields
                ready.append((client, attempt_id, form))
            dump("submit-setup")
            for client, attempt_id, form in ready:
                done = client.post(f"/attempt/{attempt_id}/submit", data=MultiDict(form))
                assert done.status_code == 303, done.get_data(as_text=True)[:300]
            dump("submits")
        finally:
            platform.server.stop()


if __name__ == "__main__":
    main()
