"""Settings. The only code in Rapport that reads the environment."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class ConfigError(Exception):
    """A setting that cannot work. The message names the variable and the fix, in one line."""


def debug_requested() -> bool:
    """RAPPORT_DEBUG=1 makes the CLI print tracebacks (like --debug)."""
    return os.environ.get("RAPPORT_DEBUG", "").lower() in ("1", "true", "yes")


def instance_dir() -> Path:
    path = Path(os.environ.get("RAPPORT_INSTANCE_PATH") or PROJECT_ROOT / "instance")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the instance folder {path} ({exc.strerror}); "
                          "set RAPPORT_INSTANCE_PATH to a folder Rapport may write") from exc
    return path


def check_database_url(url: str) -> str:
    """The URL if Rapport can use it; else ConfigError saying what to write instead.

    Only PostgreSQL (psycopg 3) and SQLite are supported. A bare `postgresql://` is taken to
    mean psycopg 3, the driver Rapport ships with (SQLAlchemy would look for psycopg2).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    example = "e.g. postgresql+psycopg://rapport@db.example.edu/rapport or sqlite:////srv/rapport/rapport.db"
    if not url.strip():
        raise ConfigError("RAPPORT_DATABASE_URL is set but empty; unset it to use the SQLite file "
                          f"instance/rapport.db, or give a database URL ({example})")
    if url != url.strip():
        raise ConfigError("RAPPORT_DATABASE_URL has spaces around it; remove them")
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"RAPPORT_DATABASE_URL is not a database URL (got {url!r}); {example}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres"):
        if driver not in ("", "psycopg"):
            raise ConfigError(f"RAPPORT_DATABASE_URL asks for the driver {driver!r}; Rapport uses psycopg 3: "
                              "write postgresql+psycopg://...")
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        if driver:
            raise ConfigError(f"RAPPORT_DATABASE_URL asks for the SQLite driver {driver!r}; write sqlite:///path")
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            path = Path(parsed.database)
            if not path.parent.is_dir():
                raise ConfigError(f"the folder {path.parent} for the SQLite database does not exist; "
                                  "create it or fix RAPPORT_DATABASE_URL")
            if path.is_dir():
                raise ConfigError(f"RAPPORT_DATABASE_URL names a folder ({path}); name a file in it, "
                                  f"e.g. sqlite:///{path / 'rapport.db'}")
        return url
    raise ConfigError(f"Rapport supports PostgreSQL and SQLite, not {backend!r}; set RAPPORT_DATABASE_URL "
                      f"to {example}")


def check_base_url(url: str) -> str:
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"RAPPORT_BASE_URL must be the address users reach Rapport at, such as "
                          f"https://rapport.example.edu (got {url!r})")
    return url.rstrip("/")


def _secret_key(instance: Path) -> str:
    """RAPPORT_SECRET_KEY, else one generated on first start and kept in instance/."""
    key = os.environ.get("RAPPORT_SECRET_KEY")
    if key:
        return key
    key_file = instance / "secret_key"
    if not key_file.exists():
        # O_EXCL so two processes starting together cannot write different keys.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
        except FileExistsError:
            pass
    return key_file.read_text().strip()


class SettingsError(ValueError):
    """A setting from the environment that cannot be used; the message says which and why."""


def _positive_float(name: str) -> float:
    raw = os.environ[name]
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number; set it to e.g. 72") from None
    if value <= 0:
        raise SettingsError(f"{name}={raw!r} must be more than 0")
    return value


class Settings:
    """Defaults for every mode; `from_env` overlays the environment."""

    TESTING = False
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    BASE_URL = DEFAULT_BASE_URL
    # The Flask session is used only by the admin pages (top-level, never framed).
    SESSION_COOKIE_NAME = "rapport_admin"
    SESSION_COOKIE_PATH = "/admin"
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    BASE_URL_FROM_ENV = False
    # A launch token lives this long; every page and autosave issues a fresh one.
    LAUNCH_TOKEN_TTL = 3 * 3600
    LAUNCH_STATE_TTL = 600
    # LTI Platform Storage (postMessage): how long a login in an LMS frame waits for the LMS page
    # to answer lti.capabilities (0 = never ask; platforms that name lti_storage_target are
    # always used), and how long a put/get waits before the cookie fallback decides.
    LTI_STORAGE_PROBE_MS = 600
    LTI_STORAGE_TIMEOUT_MS = 3000
    JWKS_CACHE_TTL = 3600
    # An id_token naming a kid the cached key set lacks refetches the platform's key set at most
    # once per this many seconds per key set URL (all hosts, with Redis): a flood of made-up kids
    # costs the LMS one fetch per interval, and a real key rotation waits at most this long.
    JWKS_REFETCH_INTERVAL = 30
    ITEMS_PER_ATTEMPT = 10
    GRADE_WORKER_THREAD = False
    GRADE_WORKER_INTERVAL = 1.0
    # A platform that is down is retried for this long (capped backoff) before a grade is
    # dead-lettered: a weekend's maintenance window heals by itself.
    GRADE_RETRY_HORIZON_HOURS = 72.0
    GRADE_RETRY_MAX_INTERVAL = 600.0  # seconds between tries at most, once backed off
    SUBMIT_GRACE_SECONDS = 30
    JWT_LEEWAY_SECONDS = 5
    # Request body caps: an LTI login or launch is a few KB (64 KB is 10x Canvas's biggest);
    # every other form or JSON post (autosave, settings) stays under 1 MB.
    LTI_MAX_REQUEST_BYTES = 64 * 1024
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Rate limits; the numbers are explained in lti_tool/rate_limits.py.
    RATE_LIMIT_LTI = "2000 per minute"
    RATE_LIMIT_AUTOSAVE = "300 per minute"
    RATE_LIMIT_ADMIN_LOGIN = "10 per minute"
    # How many reverse proxies in front set X-Forwarded-For/-Proto (0: Rapport faces clients).
    TRUSTED_PROXIES = 0
    # Serving (rapport serve / gunicorn). Forwarded headers are believed only from these peers;
    # gunicorn (scheme) and ProxyFix (client address) use the same list.
    FORWARDED_ALLOW_IPS = ("127.0.0.1", "::1")
    REDIS_KEY_PREFIX = "rapport"
    # /readyz fails when a due grade has waited longer than this (workers stopped or stuck).
    READY_GRADE_QUEUE_SECONDS = 900
    LOG_FORMAT = "json"  # json | text
    METRICS_TOKEN = None  # when set, /metrics wants "Authorization: Bearer <token>"

    @classmethod
    def from_env(cls, **overrides) -> dict:
        inst = instance_dir()
        conf = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        conf["INSTANCE_PATH"] = str(inst)
        db_url = os.environ.get("RAPPORT_DATABASE_URL")
        conf["SQLALCHEMY_DATABASE_URI"] = (check_database_url(db_url) if db_url is not None
                                           else f"sqlite:///{inst / 'rapport.db'}")
        conf["SECRET_KEY"] = _secret_key(inst)
        base = os.environ.get("RAPPORT_BASE_URL")
        conf["BASE_URL"] = check_base_url(base) if base else cls.BASE_URL
        # serve warns when the default base URL cannot be what platforms reach.
        conf["BASE_URL_FROM_ENV"] = bool(base)
        if os.environ.get("RAPPORT_GRADE_RETRY_HOURS"):
            conf["GRADE_RETRY_HORIZON_HOURS"] = _positive_float("RAPPORT_GRADE_RETRY_HOURS")
        conf["TRUSTED_PROXIES"] = int(os.environ.get("RAPPORT_TRUSTED_PROXIES", "0") or 0)
        # Extra origins allowed to frame Rapport (a Canvas on its own domain), space-separated.
        conf["FRAME_ANCESTORS"] = os.environ.get("RAPPORT_FRAME_ANCESTORS", "").split()
        if os.environ.get("RAPPORT_REDIS_URL"):
            conf["REDIS_URL"] = os.environ["RAPPORT_REDIS_URL"]
        conf.update(_production_settings())
        conf["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(conf["SQLALCHEMY_DATABASE_URI"])
        conf.update(overrides)
        return conf


def demo_database_url() -> str:
    """`rapport demo` keeps its practice platforms apart from a real install's database."""
    return f"sqlite:///{instance_dir() / 'demo.db'}"


def _split(raw: str) -> tuple[str, ...]:
    return tuple(part for part in raw.replace(",", " ").split() if part)


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number; set it to e.g. {default}") from None
    if value < 1:
        raise SettingsError(f"{name}={raw!r} must be at least 1")
    return value


def forwarded_allow_ips() -> tuple[str, ...]:
    """RAPPORT_FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-* headers are believed
    (addresses or networks, comma- or space-separated; default loopback only; "*" trusts all)."""
    raw = os.environ.get("RAPPORT_FORWARDED_ALLOW_IPS")
    if raw is None or not raw.strip():
        return Settings.FORWARDED_ALLOW_IPS
    import ipaddress
    values = _split(raw)
    for value in values:
        if value == "*":
            continue
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise SettingsError(f"RAPPORT_FORWARDED_ALLOW_IPS: {value!r} is not an address or network; "
                                "write e.g. 10.0.0.5,10.0.1.0/24") from None
    return values


def _production_settings() -> dict:
    conf = {"FORWARDED_ALLOW_IPS": forwarded_allow_ips()}
    if os.environ.get("RAPPORT_REDIS_KEY_PREFIX"):
        conf["REDIS_KEY_PREFIX"] = os.environ["RAPPORT_REDIS_KEY_PREFIX"]
    conf["READY_GRADE_QUEUE_SECONDS"] = _positive_int("RAPPORT_READY_GRADE_QUEUE_SECONDS",
                                                      Settings.READY_GRADE_QUEUE_SECONDS)
    # Platforms that never answer lti.capabilities (Moodle 4.5) make every framed login wait
    # this long; 0 turns the probe off (a platform that names lti_storage_target still uses it).
    probe = os.environ.get("RAPPORT_LTI_STORAGE_PROBE_MS", "").strip()
    if probe:
        if not probe.isdigit() or int(probe) > 5000:
            raise SettingsError(f"RAPPORT_LTI_STORAGE_PROBE_MS={probe!r} must be a whole number of "
                                "milliseconds from 0 (off) to 5000; e.g. 600")
        conf["LTI_STORAGE_PROBE_MS"] = int(probe)
    fmt = os.environ.get("RAPPORT_LOG_FORMAT", Settings.LOG_FORMAT).strip().lower() or Settings.LOG_FORMAT
    if fmt not in ("json", "text"):
        raise SettingsError(f"RAPPORT_LOG_FORMAT={fmt!r}: write json or text")
    conf["LOG_FORMAT"] = fmt
    conf["METRICS_TOKEN"] = os.environ.get("RAPPORT_METRICS_TOKEN") or None
    return conf


def metrics_dir(create: bool = False) -> str | None:
    """PROMETHEUS_MULTIPROC_DIR: where gunicorn workers count (prometheus_client reads it at
    import). With `create`, a fresh temporary folder is set when none is."""
    if create and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        import tempfile
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="rapport-metrics-")
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def engine_options(database_url: str) -> dict:
    """Connection pool per process for PostgreSQL (docs/deploy.md sizes it).

    A gunicorn worker serves RAPPORT_WEB_THREADS requests at once and each holds at most one
    connection, so the pool defaults to that many plus a little overflow; pre-ping replaces a
    connection PostgreSQL dropped (a restart, a failover) instead of failing a student's request.
    """
    if database_url.startswith("sqlite"):
        # Several gunicorn workers write one SQLite file: wait for the lock (sqlite3's default is
        # 5 s, which a class starting together exceeds) rather than fail the student's request.
        return {"connect_args": {"timeout": 30}}
    if not database_url.startswith("postgresql"):
        return {}
    threads = _positive_int("RAPPORT_WEB_THREADS", 4)
    return {"pool_size": _positive_int("RAPPORT_DB_POOL_SIZE", threads),
            "max_overflow": _positive_int("RAPPORT_DB_MAX_OVERFLOW", 2),
            "pool_timeout": _positive_int("RAPPORT_DB_POOL_TIMEOUT", 10),
            "pool_recycle": 1800, "pool_pre_ping": True}


def web_settings() -> dict:
    """gunicorn's settings for `rapport serve` and config/gunicorn.conf.py.

    Workers default to 2 x CPUs + 1 (gunicorn's own advice), each with threads: a request
    mostly waits on the database, so threads keep a core busy while others wait.
    """
    cpus = os.cpu_count() or 1
    return {
        "bind": os.environ.get("RAPPORT_BIND", "").strip() or "127.0.0.1:5000",
        "workers": _positive_int("RAPPORT_WEB_WORKERS", 2 * cpus + 1),
        "threads": _positive_int("RAPPORT_WEB_THREADS", 4),
        "timeout": _positive_int("RAPPORT_WEB_TIMEOUT", 30),
        "forwarded_allow_ips": ",".join(forwarded_allow_ips()),
        "log_format": os.environ.get("RAPPORT_LOG_FORMAT", Settings.LOG_FORMAT).strip().lower() or "json",
    }


def settings_for_tests(database_url: str, base_url: str = "http://tool.test", **overrides) -> dict:
    conf = {k: getattr(Settings, k) for k in dir(Settings) if k.isupper()}
    conf.update(
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=database_url,
        SECRET_KEY="test-secret-key-not-for-production",
        BASE_URL=base_url,
        INSTANCE_PATH=str(instance_dir()),
    )
    conf.update(overrides)
    return conf
