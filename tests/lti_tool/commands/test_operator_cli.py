"""Issue 9: every ordinary operator mistake is one line naming the cause and the fix, a non-zero
exit, and never a traceback. Most cases call the CLI's `main()` in this process (with the
environment and standard streams of a real run); a few run the real `rapport` process."""
import contextlib
import io
import os
import socket
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import requests

RAPPORT = [sys.executable, "-m", "lti_tool.cli"]
GOOD = ["--issuer", "https://lms.example.edu", "--client-id", "c-1",
        "--auth-login-url", "https://lms.example.edu/auth", "--auth-token-url", "https://lms.example.edu/token",
        "--key-set-url", "https://lms.example.edu/jwks"]


def _env(tmp_path, env):
    e = dict(os.environ, RAPPORT_INSTANCE_PATH=str(tmp_path))
    for k in ("RAPPORT_DATABASE_URL", "RAPPORT_BASE_URL", "RAPPORT_DEBUG"):
        e.pop(k, None)
    e.update(env)
    return e


def run_process(args, tmp_path, stdin=None, **env):
    return subprocess.run(RAPPORT + args, capture_output=True, text=True, env=_env(tmp_path, env), timeout=120,
                          input=stdin)


def run(args, tmp_path, stdin=None, **env):
    """`rapport ARGS` in this process: same environment rules, stdin, stdout and stderr as a real run."""
    from lti_tool.cli import main
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_stdin = dict(os.environ), sys.stdin
    os.environ.clear()
    os.environ.update(_env(tmp_path, env))
    sys.stdin = io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(list(args))
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.stdin = saved_stdin
    return SimpleNamespace(returncode=rc, stdout=out.getvalue(), stderr=err.getvalue())


def one_line_error(r, *fragments, code=1):
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert len(lines) == 1 and lines[0].startswith("rapport: error: "), r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    path = tmp_path_factory.mktemp("inst")
    assert run(["db", "upgrade"], path).returncode == 0
    return path


@pytest.mark.parametrize("args", [["platform", "list"], ["platform", "add", *GOOD, "--deployment-id", "1"],
                                  ["keys", "rotate"], ["admin", "list-users"], ["worker"]])
def test_before_db_upgrade(args, tmp_path):
    one_line_error(run(args, tmp_path), "the database has no tables yet; run: rapport db upgrade")


def test_before_db_upgrade_as_a_real_process(tmp_path):
    one_line_error(run_process(["platform", "list"], tmp_path), "the database has no tables yet; run: rapport db upgrade")


@pytest.mark.parametrize("url,says", [
    ("notaurl", "is not a database URL"),
    ("", "RAPPORT_DATABASE_URL is set but empty"),
    ("sqlite:////nonexistent-dir/sub/rapport.db", "the folder /nonexistent-dir/sub for the SQLite database does not exist"),
    ("mysql://rapport@db.example.edu/rapport", "supports PostgreSQL and SQLite, not 'mysql'"),
    ("postgresql+psycopg2://u@127.0.0.1/x", "Rapport uses psycopg 3"),
])
def test_bad_database_url(url, says, tmp_path):
    for command in (["platform", "list"], ["db", "upgrade"], ["serve", "--port", str(free_port())]):
        one_line_error(run(command, tmp_path, RAPPORT_DATABASE_URL=url), says, "RAPPORT_DATABASE_URL")


def test_serve_with_a_bad_database_url_as_a_real_process(tmp_path):
    one_line_error(run_process(["serve"], tmp_path, RAPPORT_DATABASE_URL="notaurl"), "is not a database URL")


def test_database_url_naming_a_text_file(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("this is not a database\n" * 50)
    for command in (["platform", "list"], ["db", "upgrade"], ["serve", "--port", str(free_port())]):
        one_line_error(run(command, tmp_path, RAPPORT_DATABASE_URL=f"sqlite:///{text}"), "is not an SQLite database")
    assert text.read_text().startswith("this is not a database")  # nothing written into it


def test_refused_postgresql_port(tmp_path):
    url = f"postgresql+psycopg://rapport@127.0.0.1:{free_port()}/rapport"
    for command in (["platform", "list"], ["db", "upgrade"]):
        one_line_error(run(command, tmp_path, RAPPORT_DATABASE_URL=url), "cannot connect to PostgreSQL at 127.0.0.1",
                       "connection refused")


def test_debug_shows_the_trace(tmp_path):
    r = run_process(["--debug", "platform", "list"], tmp_path, RAPPORT_DATABASE_URL=f"postgresql+psycopg://u@127.0.0.1:{free_port()}/x")
    assert r.returncode == 1 and "Traceback" in r.stderr and r.stderr.strip().splitlines()[-1].startswith("rapport: error:")


@pytest.mark.parametrize("change,says", [
    ({"--issuer": "moodle"}, "the issuer must be a full URL with a host"),
    ({"--issuer": "https://lms.example.edu "}, "the issuer 'https://lms.example.edu ' contains spaces"),
    ({"--issuer": "http://lms.example.edu"}, "the issuer must use https"),
    ({"--client-id": " "}, "the client id is empty"),
    ({"--client-id": " c-1"}, "spaces before or after it"),
    ({"--auth-login-url": "https://"}, "login (authorization) URL must be a full URL with a host"),
    ({"--auth-token-url": "ftp://lms.example.edu/t"}, "token URL must be a full URL"),
    ({"--key-set-url": "http://lms.example.edu/jwks"}, "key set (JWKS) URL must use https"),
])
def test_platform_add_validates_every_value(change, says, tmp_path):
    args = list(GOOD)
    for opt, value in change.items():
        args[args.index(opt) + 1] = value
    one_line_error(run(["platform", "add", *args, "--deployment-id", "1"], tmp_path), says, code=2)


def test_platform_add_refuses_an_empty_deployment_id(tmp_path):
    one_line_error(run(["platform", "add", *GOOD, "--deployment-id", "", "--deployment-id", "2"], tmp_path),
                   "the deployment id is empty", code=2)


def test_loopback_platforms_may_use_http(upgraded):
    r = run(["platform", "add", "--issuer", "http://127.0.0.1:8081", "--client-id", "KBTULkY0YFLtngE",
             "--auth-login-url", "http://127.0.0.1:8081/mod/lti/auth.php",
             "--auth-token-url", "http://127.0.0.1:8081/mod/lti/token.php",
             "--key-set-url", "http://localhost:8081/mod/lti/certs.php", "--deployment-id", "2"], upgraded)
    assert r.returncode == 0, r.stderr


def test_readding_with_a_changed_url_is_refused_and_update_changes_it(upgraded):
    args = ["platform", "add", *GOOD]
    args[args.index("--client-id") + 1] = "readd"
    assert run([*args, "--deployment-id", "1"], upgraded).returncode == 0
    same = run([*args, "--deployment-id", "2"], upgraded)  # same values, new deployment: added
    assert same.returncode == 0 and "deployments added: 2" in same.stdout
    changed = list(args)
    changed[changed.index("--auth-login-url") + 1] = "https://lms.example.edu/new-auth"
    line = one_line_error(run([*changed, "--deployment-id", "1"], upgraded), "already registered", "nothing was changed",
                          "rapport platform update")
    pid = line.split("platform ")[1].split(" ")[0]
    listing = run(["platform", "list"], upgraded).stdout
    assert "login=https://lms.example.edu/auth" in listing and "new-auth" not in listing
    r = run(["platform", "update", pid, "--auth-login-url", "https://lms.example.edu/new-auth"], upgraded)
    assert r.returncode == 0, r.stderr
    assert "login=https://lms.example.edu/new-auth" in run(["platform", "list"], upgraded).stdout
    one_line_error(run(["platform", "update", pid, "--key-set-url", "http://lms.example.edu/k"], upgraded),
                   "must use https", code=2)
    one_line_error(run(["platform", "update", "9999", "--name", "x"], upgraded), "there is no platform 9999")


def test_disable_enable_and_remove(upgraded):
    args = ["platform", "add", *GOOD, "--deployment-id", "d1", "--deployment-id", "d2"]
    args[args.index("--client-id") + 1] = "to-remove"
    out = run(args, upgraded).stdout
    pid = out.split("platform ")[1].split(":")[0]
    assert run(["platform", "disable", pid], upgraded).returncode == 0
    assert "DISABLED" in [line for line in run(["platform", "list"], upgraded).stdout.splitlines() if "to-remove" in line][0]
    assert run(["platform", "disable", pid, "--deployment-id", "d2"], upgraded).returncode == 0
    assert "d2 (disabled)" in run(["platform", "list"], upgraded).stdout
    one_line_error(run(["platform", "disable", pid, "--deployment-id", "nope"], upgraded), "has no deployment 'nope'")
    assert run(["platform", "enable", pid], upgraded).returncode == 0
    r = run(["platform", "remove", pid], upgraded)
    assert r.returncode == 0 and "removed" in r.stdout
    assert "to-remove" not in run(["platform", "list"], upgraded).stdout
    one_line_error(run(["platform", "remove", pid], upgraded), f"there is no platform {pid}")


def test_admin_users_and_keys(upgraded):
    one_line_error(run(["admin", "create-user", "ops", "--password-stdin"], upgraded, stdin="short\n"),
                   "at least 12 characters")
    assert run(["admin", "create-user", "ops", "--password-stdin"], upgraded, stdin="correct horse battery\n").returncode == 0
    one_line_error(run(["admin", "create-user", "ops", "--password-stdin"], upgraded, stdin="correct horse battery\n"),
                   "exists", "rapport admin set-password ops")
    assert "ops" in run(["admin", "list-users"], upgraded).stdout
    before = run(["keys", "list"], upgraded).stdout
    assert "current" in before and "next" in before
    nxt = [line.split("\t")[0] for line in before.splitlines() if "\tnext" in line][0]
    r = run(["keys", "rotate"], upgraded)
    assert r.returncode == 0 and nxt in r.stdout
    after = run(["keys", "list"], upgraded).stdout
    assert f"{nxt}\tcurrent" in after and "previous until" in after


def test_check_reports_each_line(upgraded):
    r = run(["check", "--timeout", "1"], upgraded, RAPPORT_BASE_URL=f"http://127.0.0.1:{free_port()}")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    lines = r.stdout.splitlines()
    assert any(line.startswith("ok") and "schema" in line for line in lines)
    assert any(line.startswith("FAIL") and "base URL" in line and "is rapport serve" in line for line in lines)
    # platforms registered above have unreachable JWKS: one FAIL line each, naming the fix
    assert any(line.startswith("FAIL") and "JWKS" in line for line in lines)


def test_check_on_a_bad_database_url(tmp_path):
    r = run(["check"], tmp_path, RAPPORT_DATABASE_URL="mysql://x@y/z")
    assert r.returncode == 1 and r.stdout.startswith("FAIL  settings: Rapport supports PostgreSQL and SQLite")


def _wait_ready(url, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return True
        except requests.ConnectionError:
            time.sleep(0.2)
    return False


def _stop(proc):
    proc.terminate()
    try:
        return proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def test_serve_warns_when_the_base_url_is_left_at_its_default(upgraded):
    port = free_port()
    e = dict(os.environ, RAPPORT_INSTANCE_PATH=str(upgraded))
    for k in ("RAPPORT_DATABASE_URL", "RAPPORT_BASE_URL"):
        e.pop(k, None)
    proc = subprocess.Popen(RAPPORT + ["serve", "--port", str(port), "--no-worker"], env=e, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
    finally:
        out, err = _stop(proc)
    assert "warning: RAPPORT_BASE_URL is not set" in err and f"listens on 127.0.0.1:{port}" in err


def test_base_url_warnings():
    from lti_tool.commands.run_cli import base_url_warnings
    assert base_url_warnings("http://127.0.0.1:5000", False, "127.0.0.1", 5000) == []
    assert "not set" in base_url_warnings("http://127.0.0.1:5000", False, "0.0.0.0", 5000)[0]
    assert "not set" in base_url_warnings("http://127.0.0.1:5000", False, "127.0.0.1", 8000)[0]
    assert "listens on port 8000" in base_url_warnings("http://127.0.0.1:5000", True, "127.0.0.1", 8000)[0]
    # behind a proxy the public port differs from the bound one: fine
    assert base_url_warnings("https://rapport.example.edu", True, "127.0.0.1", 8000) == []
    moodle = base_url_warnings("https://rapport.example.edu:8000", True, "0.0.0.0", 8000)
    assert len(moodle) == 1 and "Moodle fetches tools only on ports 80 and 443" in moodle[0]


def test_serve_on_a_busy_port(upgraded):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        one_line_error(run(["serve", "--port", str(port)], upgraded), f"port {port} on 127.0.0.1 is already in use",
                       "--port")


def test_demo_names_the_port_options_when_busy(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        one_line_error(run(["demo", "--port", str(port), "--lms-port", str(free_port())], tmp_path),
                       f"port {port}", "--port", "--lms-port")


def test_demo_keeps_its_own_database(tmp_path):
    port, lms_port = free_port(), free_port()
    e = dict(os.environ, RAPPORT_INSTANCE_PATH=str(tmp_path), RAPPORT_DATABASE_URL=f"sqlite:///{tmp_path}/real.db")
    proc = subprocess.Popen(RAPPORT + ["demo", "--port", str(port), "--lms-port", str(lms_port)], env=e, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _wait_ready(f"http://127.0.0.1:{port}/healthz", proc), "demo did not start"
    finally:
        out, err = _stop(proc)
    assert (tmp_path / "demo.db").exists()
    assert not (tmp_path / "real.db").exists() and not (tmp_path / "rapport.db").exists()


def test_worker_serves_its_metrics_on_a_port(upgraded):
    """A worker on a host without web processes still reports grade deliveries and the queue."""
    port = free_port()
    e = dict(os.environ, RAPPORT_INSTANCE_PATH=str(upgraded))
    for k in ("RAPPORT_DATABASE_URL", "RAPPORT_BASE_URL", "PROMETHEUS_MULTIPROC_DIR"):
        e.pop(k, None)
    proc = subprocess.Popen(RAPPORT + ["worker", "--metrics-port", str(port)], env=e, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _wait_ready(f"http://127.0.0.1:{port}/metrics", proc), proc.stderr.read() if proc.poll() is not None else ""
        body = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        out, err = _stop(proc)
    assert "rapport_grade_sync_oldest_pending_seconds 0.0" in body, body[-2000:]
    assert "rapport_grade_delivery_tries_total" in body
    assert f"worker metrics on http://127.0.0.1:{port}/metrics" in out and "Traceback" not in err


def test_worker_metrics_port_in_use_is_one_line(upgraded):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run(["worker", "--metrics-port", str(port)], upgraded)
    one_line_error(r, f"port {port} on 127.0.0.1 is already in use", "--metrics-port")


def test_demo_request_log_never_shows_launch_tokens(tmp_path):
    import urllib.request
    port, lms_port = free_port(), free_port()
    e = dict(os.environ, RAPPORT_INSTANCE_PATH=str(tmp_path))
    proc = subprocess.Popen(RAPPORT + ["demo", "--port", str(port), "--lms-port", str(lms_port)], env=e, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _wait_ready(f"http://127.0.0.1:{port}/healthz", proc), "demo did not start"
        for url in (f"http://127.0.0.1:{port}/attempt/1?lt=SECRET-LAUNCH-TOKEN",
                    f"http://localhost:{lms_port}/launch/student?link=SECRET-LINK"):
            try:
                urllib.request.urlopen(url, timeout=10).read()
            except OSError:
                pass  # a refusal is fine: only the log line matters
    finally:
        out, err = _stop(proc)
    log = out + err
    assert "GET /attempt/1?[redacted]" in log, log[-2000:]
    assert "SECRET-LAUNCH-TOKEN" not in log and "SECRET-LINK" not in log
