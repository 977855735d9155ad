"""`rapport db upgrade` on every deploy: several hosts running it at the same moment against one
PostgreSQL take turns (an advisory lock), and all end with the schema at head."""
import os
import subprocess
import sys
import time

import pytest

from tests.support.postgres import PG_MARKS, fresh_database

pytestmark = PG_MARKS


@pytest.fixture
def fresh_pg():
    with fresh_database("rapport_deploy") as url:
        yield url


def test_three_hosts_upgrading_at_once_all_succeed(fresh_pg, tmp_path):
    env = dict(os.environ, RAPPORT_DATABASE_URL=fresh_pg, RAPPORT_INSTANCE_PATH=str(tmp_path),
               RAPPORT_SECRET_KEY="deploy-test")
    procs = [subprocess.Popen([sys.executable, "-m", "lti_tool.cli", "db", "upgrade"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [(p.wait(timeout=240), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, out, err in results:
        assert code == 0, err[-2000:]
        assert "database at head" in out
    added = sorted(int(out.split("bank: ")[1].split()[0]) for _, out, _ in results)
    assert added[0] == 0 and added[1] == 0 and added[2] > 0  # the bank was added once, by whoever went first
    import psycopg
    with psycopg.connect(fresh_pg.replace("+psycopg", "")) as conn:
        assert len(conn.execute("SELECT version_num FROM alembic_version").fetchall()) == 1
        assert conn.execute("SELECT count(*) FROM tool_key").fetchone()[0] == 2  # current and next, made once


def test_the_lock_is_held_while_migrating(fresh_pg, tmp_path):
    """While one deploy holds the lock, another one waits instead of migrating alongside."""
    import psycopg

    from lti_tool.services.schema_lock import DEPLOY_LOCK_KEY
    env = dict(os.environ, RAPPORT_DATABASE_URL=fresh_pg, RAPPORT_INSTANCE_PATH=str(tmp_path),
               RAPPORT_SECRET_KEY="deploy-test")
    with psycopg.connect(fresh_pg.replace("+psycopg", ""), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (DEPLOY_LOCK_KEY,))
        proc = subprocess.Popen([sys.executable, "-m", "lti_tool.cli", "db", "upgrade"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        waiting = 0
        for _ in range(600):  # until the deploy queues behind the lock (or exits, which fails below)
            waiting = holder.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                                     ).fetchone()[0]
            if waiting or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert waiting == 1 and proc.poll() is None
        assert not holder.execute("SELECT to_regclass('public.alembic_version')").fetchone()[0]
        holder.execute("SELECT pg_advisory_unlock(%s)", (DEPLOY_LOCK_KEY,))
    assert proc.wait(timeout=240) == 0, proc.stderr.read()[-2000:]
