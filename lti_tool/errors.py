"""Error pages: a clear message and the right status, never a stack trace."""
from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .launch_token import TokenError
from .lti import LaunchError
from .services.attempt_error import AttemptError
from question_bank.selection import SelectionError


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _page(title: str, message: str, status: int):
    if _wants_json():
        return jsonify(error=message), status
    return render_template("errors/error.html", title=title, message=message, status=status), status


def init_app(app):
    @app.errorhandler(LaunchError)
    def launch_error(exc):
        return _page("Rapport could not start this launch", exc.message, exc.status)

    @app.errorhandler(TokenError)
    def token_error(exc):
        return _page("Please relaunch from your course", exc.message, 401)

    @app.errorhandler(AttemptError)
    def attempt_error(exc):
        return _page("That did not work", exc.message, exc.status)

    @app.errorhandler(SelectionError)
    def selection_error(exc):
        # The question set asks for more than the bank can give (a bank or blueprint changed since
        # it was saved). Nothing was recorded: the attempt's transaction is rolled back.
        from .extensions import db
        db.session.rollback()
        app.logger.warning("question set cannot be drawn: %s", exc)
        return _page("This assignment cannot start yet",
                     "Its question set asks for more questions than the question bank can supply right now, "
                     "so no attempt was started and nothing was recorded. Please let your instructor know; "
                     "they can fix it on the assignment's settings page.", 409)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return _page(exc.name, exc.description or exc.name, exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error")
        return _page("Something went wrong", "Rapport hit an unexpected error. Your saved answers are kept.", 500)
