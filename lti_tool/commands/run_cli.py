"""rapport serve | worker | demo | db upgrade."""
from __future__ import annotations

import signal
import threading

import click


def make_app(**overrides):
    from config import Settings

    from .. import create_app
    return create_app(Settings.from_env(**overrides))


def ready_app(**overrides):
    """The app, after checking the database is reachable and at the current schema."""
    from ..services import schema
    from .errors import SchemaNotReady
    app = make_app(**overrides)
    problem = schema.problem(app)
    if problem:
        raise SchemaNotReady(problem)
    return app


def prepare(app) -> dict:
    """Schema to head, bundled bank synced, a current and a next tool key. Idempotent."""
    from flask_migrate import upgrade

    from ..lti.keys import ensure_keys
    from ..services.bank_store import sync_bundled
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        counts = sync_bundled()
        ensure_keys()
    return counts


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


def _serve(app, host: str, port: int) -> None:
    from werkzeug.serving import make_server

    from ..security import RedactingRequestHandler
    server = make_server(host, port, app, threaded=True, request_handler=RedactingRequestHandler)
    stop = threading.Event()

    def _quit(*_):
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, _quit)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-worker", is_flag=True, help="Do not run the grade worker thread in this process.")
def serve(host, port, no_worker):
    """Run Rapport (embedded mode: one process, grade worker thread). Use gunicorn in production."""
    from ..grades.worker import start_thread
    app = make_app()
    check_port_free(host, port, "stop what listens there or pick another with --port")
    prepare(app)
    for line in base_url_warnings(app.config["BASE_URL"], app.config.get("BASE_URL_FROM_ENV", False), host, port):
        click.echo(line, err=True)
    if not no_worker:
        start_thread(app)
    click.echo(f"Rapport on http://{host}:{port} (base URL {app.config['BASE_URL']})")
    _serve(app, host, port)


@click.command()
def worker():
    """Deliver queued grades and submit overdue attempts until stopped."""
    from ..grades.worker import run_forever
    app = ready_app()
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
