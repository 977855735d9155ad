"""rapport serve | worker | demo | db upgrade."""
from __future__ import annotations

import signal
import threading

import click

# The app builders live in app_setup (the practice LMS uses them too); other commands import them from here.
from .app_setup import make_app, prepare, ready_app  # noqa: F401


def check_port_free(host: str, port: int, hint: str) -> None:
    """Fail early, in one line, when something already listens on host:port."""
    import errno
    import socket
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise click.ClickException(f"port {port} on {host} is already in use; {hint}") from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise click.ClickException(f"this machine has no address {host}; use --host 0.0.0.0 or one of "
                                           "its own addresses") from None
            raise


def base_url_warnings(base_url: str, from_env: bool, host: str, port: int) -> list[str]:
    """What a platform would be told that cannot be right for this serve, and Moodle's port rule."""
    from urllib.parse import urlsplit

    from ..services.platforms import is_loopback
    parts = urlsplit(base_url)
    base_port = parts.port or (443 if parts.scheme == "https" else 80)
    out = []
    if not from_env and (port != base_port or not is_loopback(host)):
        out.append(f"warning: RAPPORT_BASE_URL is not set, so platforms are told Rapport is at {base_url}, "
                   f"but this server listens on {host}:{port}. Set RAPPORT_BASE_URL to the address people and "
                   f"platforms reach (e.g. https://rapport.example.edu) and restart.")
    elif from_env and is_loopback(parts.hostname) and base_port != port:
        out.append(f"warning: RAPPORT_BASE_URL is {base_url} but this server listens on port {port}; "
                   f"launches will be sent to the wrong port. Fix RAPPORT_BASE_URL or --port.")
    if not is_loopback(parts.hostname) and base_port not in (80, 443):
        out.append(f"note: Moodle fetches tools only on ports 80 and 443 by default (Site administration > "
                   f"Security > HTTP security); put Rapport behind https on 443, or add {base_port} there.")
    return out


@click.group()
def db():
    """Database schema."""


@db.command("upgrade")
def db_upgrade():
    """Apply migrations and sync the bundled bank into the database."""
    app = make_app()
    counts = prepare(app)
    click.echo(f"database at head; bank: {counts['added']} item versions added, {counts['unchanged']} unchanged")


def _bind(host: str | None, port: int | None) -> tuple[str, str, int]:
    """--host/--port when given, else RAPPORT_BIND (host:port), else 127.0.0.1:5000."""
    from config import web_settings
    default_host, _, default_port = web_settings()["bind"].rpartition(":")
    host = host or default_host.strip("[]") or "127.0.0.1"
    port = port or int(default_port)
    return (f"[{host}]:{port}" if ":" in host else f"{host}:{port}"), host, port


@click.command()
@click.option("--host", default=None, help="Address to listen on [default: from RAPPORT_BIND, else 127.0.0.1].")
@click.option("--port", default=None, type=click.IntRange(1, 65535),
              help="Port to listen on [default: from RAPPORT_BIND, else 5000].")
@click.option("--no-worker", is_flag=True, help="Do not run the grade worker in this server (run `rapport worker`).")
def serve(host, port, no_worker):
    """Run Rapport under gunicorn (config/gunicorn.conf.py; RAPPORT_WEB_WORKERS processes).

    Migrations run first. Unless --no-worker, one of the processes also delivers grades."""
    from config import metrics_dir
    metrics_dir(create=True)  # before anything imports prometheus_client: every worker counts there
    from ..extensions import db
    from ..serving import run_gunicorn
    bind, host, port = _bind(host, port)
    app = make_app()
    check_port_free(host, port, "stop what listens there or pick another with --port")
    prepare(app)
    for line in base_url_warnings(app.config["BASE_URL"], app.config.get("BASE_URL_FROM_ENV", False), host, port):
        click.echo(line, err=True)
    with app.app_context():
        db.engine.dispose()  # no pooled connection may cross the fork into the workers
    click.echo(f"Rapport on http://{bind} (base URL {app.config['BASE_URL']})")
    run_gunicorn(bind, grade_worker=not no_worker)


@click.command()
@click.option("--metrics-port", type=click.IntRange(1, 65535), envvar="RAPPORT_WORKER_METRICS_PORT",
              help="Serve this worker's Prometheus metrics on this port [env RAPPORT_WORKER_METRICS_PORT; default: none].")
@click.option("--metrics-host", default="127.0.0.1", show_default=True, envvar="RAPPORT_WORKER_METRICS_HOST",
              help="Address for --metrics-port (keep it private: there is no token on it).")
def worker(metrics_port, metrics_host):
    """Deliver queued grades and submit overdue attempts until stopped."""
    from ..grades.worker import run_forever
    from .. import logs
    app = ready_app()
    logs.configure(app.config["LOG_FORMAT"])
    if metrics_port:
        from ..metrics import serve_worker_metrics
        check_port_free(metrics_host, metrics_port, "pick another with --metrics-port")
        serve_worker_metrics(app, metrics_host, metrics_port)
        click.echo(f"worker metrics on http://{metrics_host}:{metrics_port}/metrics")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("grade worker running")
    try:
        run_forever(app, stop)
    except KeyboardInterrupt:
        pass


@click.command()
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Rapport's port.")
@click.option("--lms-port", default=5001, show_default=True, type=click.IntRange(1, 65535), help="Practice LMS port.")
def demo(port, lms_port):
    """Rapport on 127.0.0.1 plus a practice LMS on localhost (a different site, as in real iframes).

    Uses its own SQLite file (instance/demo.db), never RAPPORT_DATABASE_URL or instance/rapport.db."""
    from ..demo.practice_lms import run_demo
    if port == lms_port:
        raise click.UsageError("--port and --lms-port must differ")
    hint = "pick free ones, e.g. ./dev demo --port 5010 --lms-port 5011"
    check_port_free("127.0.0.1", port, f"Rapport's port is set with --port ({hint})")
    check_port_free("localhost", lms_port, f"the practice LMS's port is set with --lms-port ({hint})")
    run_demo(port, lms_port)
