"""`rapport demo`: Rapport on 127.0.0.1 and the practice LMS on localhost, two different sites."""
from __future__ import annotations

import threading

import click
from werkzeug.serving import make_server

from ..security import RedactingRequestHandler
from .platform import create_lms, registration_args


def run_demo(port: int, lms_port: int) -> None:
    from ..commands.app_setup import make_app, prepare
    from ..grades.worker import start_thread
    from ..services import platforms

    tool_url = f"http://127.0.0.1:{port}"
    lms_url = f"http://localhost:{lms_port}"
    from config import demo_database_url
    # Its own database: the practice platforms never land in a real install's registrations.
    app = make_app(BASE_URL=tool_url, SQLALCHEMY_DATABASE_URI=demo_database_url())
    prepare(app)
    with app.app_context():
        platforms.register(**registration_args(lms_url))
    lms, _gradebook = create_lms(lms_url, tool_url)
    start_thread(app)
    # Request lines logged without their query strings (launch tokens, login hints, states).
    tool_server = make_server("127.0.0.1", port, app, threaded=True, request_handler=RedactingRequestHandler)
    lms_server = make_server("localhost", lms_port, lms, threaded=True, request_handler=RedactingRequestHandler)
    threading.Thread(target=lms_server.serve_forever, daemon=True).start()
    click.echo(f"Rapport:       {tool_url}   (demo database {demo_database_url().removeprefix('sqlite:///')})")
    click.echo(f"Practice LMS:  {lms_url}/   (open this; launch as student or instructor)")
    click.echo(f"Gradebook:     {lms_url}/gradebook")
    click.echo("Instructor journey: on the course page, \"Add a Rapport activity (deep linking)\"; then open it "
               "as two students, submit, and open it as the instructor (results, item analysis, class review).")
    try:
        tool_server.serve_forever()
    except KeyboardInterrupt:
        pass
