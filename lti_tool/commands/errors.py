"""Turn a failure into the one line an operator can act on. The CLI never prints a traceback
(unless asked with --debug or RAPPORT_DEBUG=1)."""
from __future__ import annotations

import errno
import re

import click


class SchemaNotReady(click.ClickException):
    """The database is reachable but has no tables, or an older schema than this code."""


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _where(url) -> str:
    try:
        from sqlalchemy.engine import make_url
        u = make_url(str(url))
        if u.get_backend_name() == "sqlite":
            return f"the SQLite file {u.database}"
        return f"PostgreSQL at {u.host or 'localhost'}:{u.port or 5432} (database {u.database})"
    except Exception:  # noqa: BLE001 - only for the message
        return "the database"


def explain(exc: BaseException, database_url: str | None = None) -> str:
    """One line: what failed and what to do. Falls back to the exception's own first line."""
    from config import ConfigError, SettingsError
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, (ConfigError, SettingsError)):
        return str(exc)
    if isinstance(exc, sa_exc.DBAPIError) or isinstance(exc, sa_exc.OperationalError):
        orig = str(getattr(exc, "orig", exc))
        low = orig.lower()
        where = _where(database_url) if database_url else "the database"
        if "no such table" in low or ("relation" in low and "does not exist" in low):
            return "the database has no tables yet; run: rapport db upgrade"
        if "file is not a database" in low or "file is encrypted" in low:
            return f"{where} is not an SQLite database; point RAPPORT_DATABASE_URL at a Rapport database " \
                   "or at a new file name"
        if "unable to open database file" in low:
            return f"cannot open {where} (missing folder or no permission); fix RAPPORT_DATABASE_URL"
        if "readonly database" in low or "read-only" in low:
            return f"{where} is read-only; give the Rapport user write access"
        if "connection refused" in low:
            return f"cannot connect to {where}: connection refused; start PostgreSQL or fix the host and " \
                   "port in RAPPORT_DATABASE_URL"
        if "does not exist" in low and "database" in low:
            m = re.search(r'database "([^"]+)" does not exist', orig)
            name = m.group(1) if m else "named in RAPPORT_DATABASE_URL"
            return f"the PostgreSQL database {name} does not exist; create it (createdb {name}) " \
                   "or fix RAPPORT_DATABASE_URL"
        if "password authentication failed" in low or "authentication" in low:
            return f"PostgreSQL refused the login for {where}; fix the user or password in RAPPORT_DATABASE_URL"
        if "could not translate host name" in low or "name or service not known" in low \
                or "nodename nor servname" in low:
            return f"cannot resolve the database host of {where}; fix the host in RAPPORT_DATABASE_URL"
        if "timeout" in low or "timed out" in low:
            return f"connecting to {where} timed out; check the host, port and firewall"
        return f"database error at {where}: {_first_line(orig)}"
    if isinstance(exc, sa_exc.ArgumentError):
        return f"RAPPORT_DATABASE_URL is not usable: {_first_line(str(exc))}"
    if isinstance(exc, ModuleNotFoundError):
        return f"a Python package is missing ({exc.name}); reinstall Rapport: pip install -e '.[postgres]'"
    if isinstance(exc, OSError):
        if exc.errno == errno.EADDRINUSE:
            return "that address and port are already in use; stop what listens there or pick another --port"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return f"permission denied: {exc.filename or exc}; run as a user who may use it"
        return f"{exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}"
    name = exc.__class__.__name__
    return f"unexpected {name}: {_first_line(str(exc)) or name} (run with --debug for the full trace)"
