"""rapport check: one line per thing an operator must get right, ok or what to fix."""
from __future__ import annotations

import click


def _line(ok: bool, what: str, detail: str) -> bool:
    click.echo(f"{'ok  ' if ok else 'FAIL'}  {what}: {detail}")
    return ok


@click.command()
@click.option("--timeout", default=5.0, show_default=True, help="Seconds to wait for each URL.")
def check(timeout):
    """Settings, database, schema, tool keys, base URL and each platform's JWKS. Exits 1 on any failure."""
    import requests

    from .errors import explain
    from .run_cli import make_app
    results = []
    try:
        app = make_app()
    except Exception as exc:  # noqa: BLE001 - reported as a line, like the rest
        _line(False, "settings", explain(exc))
        raise SystemExit(1)
    conf = app.config
    from sqlalchemy.engine import make_url
    results.append(_line(True, "settings", f"database {make_url(conf['SQLALCHEMY_DATABASE_URI']).render_as_string()}"
                         f", base URL {conf['BASE_URL']}" + ("" if conf.get("BASE_URL_FROM_ENV")
                                                              else " (default; set RAPPORT_BASE_URL in production)")))
    from ..services import schema
    try:
        problem = schema.problem(app)
        results.append(_line(True, "database", "reachable"))
        results.append(_line(problem is None, "schema", problem or "at the current migration"))
    except Exception as exc:  # noqa: BLE001
        results.append(_line(False, "database", explain(exc, conf["SQLALCHEMY_DATABASE_URI"])))
        problem = "unreachable"
    if problem is None:
        from ..lti.keys import key_states
        from ..services.platforms import all_platforms
        with app.app_context():
            states = [s for s, _ in key_states()]
            results.append(_line("current" in states and "next" in states, "tool keys",
                                 ", ".join(states) if states else "none; run: rapport db upgrade"))
            platforms = [(p.id, p.issuer, p.client_id, p.key_set_url, p.enabled) for p in all_platforms()]
        if not platforms:
            results.append(_line(True, "platforms", "none registered yet (see docs/admin-guide.md)"))
        for pid, issuer, client_id, url, enabled in platforms:
            what = f"platform {pid} JWKS ({issuer}, client_id {client_id}{'' if enabled else ', disabled'})"
            try:
                resp = requests.get(url, timeout=timeout)
                keys = resp.json().get("keys") if resp.ok else None
                results.append(_line(bool(keys), what, f"{len(keys)} key(s) at {url}" if keys
                                     else f"{url} answered HTTP {resp.status_code} without keys; fix the key set URL "
                                          f"with: rapport platform update {pid} --key-set-url ..."))
            except (requests.RequestException, ValueError) as exc:
                results.append(_line(False, what, f"{url} not reachable ({exc.__class__.__name__}); check the URL "
                                                  "and this host's outbound network"))
    try:
        resp = requests.get(conf["BASE_URL"] + "/healthz", timeout=timeout)
        results.append(_line(resp.ok, "base URL", f"{conf['BASE_URL']}/healthz answered HTTP {resp.status_code}"))
    except requests.RequestException as exc:
        results.append(_line(False, "base URL", f"{conf['BASE_URL']} not reachable ({exc.__class__.__name__}); "
                                                "is rapport serve (or gunicorn) running there?"))
    if not all(results):
        raise SystemExit(1)
