"""rapport platform add | list."""
import click

from ..services import platforms
from .run_cli import make_app


@click.group()
def platform():
    """Platform registrations (issuer, client_id, deployments)."""


@platform.command("add")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--auth-login-url", required=True)
@click.option("--auth-token-url", required=True)
@click.option("--key-set-url", required=True)
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True)
@click.option("--auth-audience", default=None, help="aud for the token request, if not the token URL.")
@click.option("--name", default=None)
def add(issuer, client_id, auth_login_url, auth_token_url, key_set_url, deployment_ids, auth_audience, name):
    """Register a platform (or add deployments to an existing registration)."""
    for label, url in (("--auth-login-url", auth_login_url), ("--auth-token-url", auth_token_url),
                       ("--key-set-url", key_set_url)):
        if not url.startswith(("http://", "https://")):
            raise click.UsageError(f"{label} must be an http(s) URL, got {url!r}")
    app = make_app()
    with app.app_context():
        p, added = platforms.register(issuer=issuer, client_id=client_id, auth_login_url=auth_login_url,
                                      auth_token_url=auth_token_url, key_set_url=key_set_url,
                                      deployment_ids=list(deployment_ids), auth_audience=auth_audience, name=name)
        click.echo(f"platform {p.id}: {p.issuer} client_id={p.client_id}; deployments added: {', '.join(added) or 'none'}")
        click.echo(f"tool endpoints: login {app.config['BASE_URL']}/lti/login  launch {app.config['BASE_URL']}/lti/launch"
                   f"  jwks {app.config['BASE_URL']}/lti/jwks")


@platform.command("list")
def list_():
    """List registered platforms and their deployments."""
    app = make_app()
    with app.app_context():
        rows = platforms.all_platforms()
        if not rows:
            click.echo("no platforms registered")
        for p in rows:
            deps = ", ".join(d.deployment_id for d in p.deployments)
            click.echo(f"{p.id}\t{p.issuer}\tclient_id={p.client_id}\tdeployments=[{deps}]\tlogin={p.auth_login_url}")
