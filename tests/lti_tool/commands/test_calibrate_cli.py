"""rapport bank calibrate, run as a real subprocess on a database with simulated graded answers."""
import sqlite3

import numpy as np

from tests.lti_tool.test_cli import run


def _one_line_error(r):
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert r.returncode == 1 and len(lines) == 1 and lines[0].startswith("rapport: error: "), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


def _simulate(db_path, n_students=300, per_student=10, seed=3):
    """Graded answers on 20 bundled items: true difficulties known, one item answered at random."""
    rng = np.random.default_rng(seed)
    with sqlite3.connect(db_path) as db:
        rows = db.execute("select id, item_id from bank_item where current = 1 and type = 'multiple_choice' "
                          "order by item_id limit 20").fetchall()
        true_b = rng.normal(0, 1, len(rows))
        db.execute("insert into platform (id, issuer, client_id, auth_login_url, auth_token_url, key_set_url) "
                   "values (1, 'https://lms.test', 'c', 'https://lms.test/a', 'https://lms.test/t', 'https://lms.test/k')")
        db.execute("insert into deployment (id, platform_id, deployment_id) values (1, 1, 'd')")
        db.execute("insert into context (id, deployment_id, context_id) values (1, 1, 'course')")
        db.execute("insert into resource_link (id, context_id, resource_link_id) values (1, 1, 'link')")
        db.execute("insert into assignment (id, resource_link_id, public_id, title, blueprint, attempts_allowed, "
                   "grading_method, feedback_policy, points_possible, shuffle_options, mode) "
                   "values (1, 1, 'p', 't', '{}', 0, 'latest', 'after_submit', 10, 1, 'fixed')")
        for s in range(n_students):
            theta = rng.normal()
            db.execute("insert into lti_user (id, platform_id, sub) values (?, 1, ?)", (s + 1, f"u{s}"))
            db.execute("insert into attempt (id, assignment_id, user_id, number, state, is_preview, submitted_at) "
                       "values (?, 1, ?, 1, 'graded', 0, '2026-12-01 10:00:00')", (s + 1, s + 1))
            for pos, k in enumerate(rng.choice(len(rows), per_student, replace=False), 1):
                right = rng.random() < (0.5 if k == 7 else 1 / (1 + np.exp(true_b[k] - theta)))
                db.execute("insert into attempt_item (attempt_id, position, bank_item_id, presentation, points, "
                           "max_points, response_seq, flagged) values (?, ?, ?, '{}', ?, 1, 0, 0)",
                           (s + 1, pos, rows[k][0], float(right)))
        # A preview attempt never counts.
        db.execute("insert into attempt (id, assignment_id, user_id, number, state, is_preview) "
                   "values (9999, 1, 1, 2, 'graded', 1)")
        db.execute("insert into attempt_item (attempt_id, position, bank_item_id, presentation, points, max_points, "
                   "response_seq, flagged) values (9999, 1, ?, '{}', 1, 1, 0, 0)", (rows[0][0],))
    return [r[1] for r in rows], true_b


def test_calibrate_refits_and_reports_poor_fit(tmp_path):
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    db_path = tmp_path / "rapport.db"
    item_ids, true_b = _simulate(db_path)
    r = run(["bank", "calibrate"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "from 3000 graded answers by 300 students (20 items had answers" in r.stdout
    assert f"  {item_ids[7]} (" in r.stdout and "barely track ability" in r.stdout
    with sqlite3.connect(db_path) as db:
        got = dict(db.execute("select item_id, difficulty from item_calibration").fetchall())
        total = db.execute("select count(*) from bank_item where current = 1").fetchone()[0]
        untouched = db.execute("select label, difficulty, responses from item_calibration "
                               "where item_id not in (%s) limit 1" % ",".join("?" * 20), item_ids).fetchone()
    assert len(got) == total  # every current item has a difficulty; unanswered ones keep the label's
    assert untouched[2] == 0 and untouched[1] == {"easy": -1.0, "medium": 0.0, "hard": 1.0}[untouched[0]]
    fitted = np.array([got[i] for k, i in enumerate(item_ids) if k != 7])
    truth = np.array([b for k, b in enumerate(true_b) if k != 7])
    assert np.corrcoef(fitted, truth)[0, 1] > 0.85
    # Refitting replaces, never duplicates.
    assert run(["bank", "calibrate", "--show", "0"], tmp_path).returncode == 0
    with sqlite3.connect(db_path) as db:
        assert db.execute("select count(*) from item_calibration").fetchone()[0] == total


def test_calibrate_without_a_database_is_one_line(tmp_path):
    line = _one_line_error(run(["bank", "calibrate"], tmp_path))
    assert "rapport db upgrade" in line
