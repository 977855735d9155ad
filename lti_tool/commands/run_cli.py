"""rapport serve | worker | demo | db upgrade."""
from __future__ import annotations

import signal
import threading

import click


def make_app(**overrides):
    from config import Settings

    from .. import create_app
    return create_app(Settings.from_env(**overrides))


def prepare(app) -> dict:
    """Schema to head, bundled bank synced, a tool key present. Idempotent."""
    from flask_migrate import upgrade

    from ..lti.keys import ensure_key
    from ..services.bank_store import sync_bundled
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        counts = sync_bundled()
        ensure_key()
    return counts


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
    prepare(app)
    if not no_worker:
        start_thread(app)
    click.echo(f"Rapport on http://{host}:{port} (base URL {app.config['BASE_URL']})")
    _serve(app, host, port)


@click.command()
def worker():
    """Deliver queued grades and submit overdue attempts until stopped."""
    from ..grades.worker import run_forever
    app = make_app()
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
    """Rapport on 127.0.0.1 plus a practice LMS on localhost (a different site, as in real iframes)."""
    from ..demo.practice_lms import run_demo
    run_demo(port, lms_port)
