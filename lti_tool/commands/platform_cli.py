"""rapport platform add | list | update | disable | enable | remove."""
import click

from ..services import platforms
from ..services.platforms import PlatformError
from .run_cli import ready_app


def _fail(exc: PlatformError):
    raise click.ClickException(exc.message)


def _endpoints(app) -> str:
    base = app.config["BASE_URL"]
    return f"tool endpoints: login {base}/lti/login  launch {base}/lti/launch  jwks {base}/lti/jwks"


@click.group()
def platform():
    """Platform registrations (issuer, client_id, deployments)."""


@platform.command("add")
@click.option("--issuer", required=True, help="The platform's issuer, e.g. https://canvas.instructure.com.")
@click.option("--client-id", required=True)
@click.option("--auth-login-url", required=True, help="The platform's OIDC authorization endpoint.")
@click.option("--auth-token-url", required=True, help="The platform's OAuth2 token endpoint.")
@click.option("--key-set-url", required=True, help="The platform's public key set (JWKS) URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True)
@click.option("--auth-audience", default=None, help="aud for the token request, if not the token URL.")
@click.option("--name", default=None)
@click.option("--auto-accept-deployments", is_flag=True,
              help="Accept new deployment ids of this client after a verified launch (Canvas: one per install).")
def add(issuer, client_id, auth_login_url, auth_token_url, key_set_url, deployment_ids, auth_audience, name,
        auto_accept_deployments):
    """Register a platform. Re-running with the same values only adds new deployment ids."""
    try:  # bad values are usage errors (exit 2), found before the database is touched
        platforms.PlatformInput(issuer, client_id, auth_login_url, auth_token_url, key_set_url, auth_audience,
                                name).checked()
        platforms.check_deployment_ids(deployment_ids)
    except PlatformError as exc:
        raise click.UsageError(exc.message) from None
    app = ready_app()
    with app.app_context():
        try:
            p, added = platforms.register(issuer=issuer, client_id=client_id, auth_login_url=auth_login_url,
                                          auth_token_url=auth_token_url, key_set_url=key_set_url,
                                          deployment_ids=list(deployment_ids), auth_audience=auth_audience,
                                          name=name, source="cli", auto_accept_deployments=auto_accept_deployments)
        except PlatformError as exc:
            _fail(exc)
        click.echo(f"platform {p.id}: {p.issuer} client_id={p.client_id}; deployments added: {', '.join(added) or 'none'}")
        click.echo(_endpoints(app))


@platform.command("list")
def list_():
    """List registered platforms and their deployments."""
    app = ready_app()
    with app.app_context():
        rows = platforms.all_platforms()
        if not rows:
            click.echo("no platforms registered (add one with: rapport platform add --help)")
        for p in rows:
            deps = ", ".join(d.deployment_id + ("" if d.enabled else " (disabled)") for d in p.deployments)
            state = "enabled" if p.enabled else "DISABLED"
            last = p.last_launch_at.strftime("%Y-%m-%d %H:%M UTC") if p.last_launch_at else "never"
            click.echo(f"{p.id}\t{p.issuer}\tclient_id={p.client_id}\t{state}\tdeployments=[{deps}]"
                       f"{' (new ids auto-accepted)' if p.auto_accept_deployments else ''}\tlogin={p.auth_login_url}"
                       f"\ttoken={p.auth_token_url}\tjwks={p.key_set_url}\tlast launch {last}")
            if p.last_error:
                click.echo(f"\tlast error: {p.last_error}")


@platform.command("update")
@click.argument("platform_id", type=int)
@click.option("--issuer")
@click.option("--client-id")
@click.option("--auth-login-url")
@click.option("--auth-token-url")
@click.option("--key-set-url")
@click.option("--auth-audience", help="Give an empty string to use the token URL again.")
@click.option("--name")
@click.option("--add-deployment-id", "add_ids", multiple=True)
@click.option("--remove-deployment-id", "remove_ids", multiple=True, help="Only deployments without attempts.")
@click.option("--auto-accept-deployments/--no-auto-accept-deployments", default=None)
def update(platform_id, issuer, client_id, auth_login_url, auth_token_url, key_set_url, auth_audience, name,
           add_ids, remove_ids, auto_accept_deployments):
    """Change a registration (PLATFORM_ID from `rapport platform list`)."""
    try:
        for field, value in (("issuer", issuer), ("auth_login_url", auth_login_url),
                             ("auth_token_url", auth_token_url), ("key_set_url", key_set_url)):
            if value is not None:
                platforms.check_url(value, field)
        if client_id is not None:
            platforms.check_id(client_id, "client_id")
        platforms.check_deployment_ids(add_ids)
    except PlatformError as exc:
        raise click.UsageError(exc.message) from None
    app = ready_app()
    with app.app_context():
        try:
            p, added = platforms.update(platform_id, issuer=issuer, client_id=client_id, auth_login_url=auth_login_url,
                                        auth_token_url=auth_token_url, key_set_url=key_set_url,
                                        auth_audience=auth_audience, name=name, add_deployment_ids=add_ids,
                                        remove_deployment_ids=remove_ids,
                                        auto_accept_deployments=auto_accept_deployments)
        except PlatformError as exc:
            _fail(exc)
        deps = ", ".join(d.deployment_id for d in p.deployments)
        click.echo(f"platform {p.id} updated: {p.issuer} client_id={p.client_id} login={p.auth_login_url} "
                   f"token={p.auth_token_url} jwks={p.key_set_url} deployments=[{deps}]")


@platform.command("disable")
@click.argument("platform_id", type=int)
@click.option("--deployment-id", default=None, help="Disable only this deployment.")
def disable(platform_id, deployment_id):
    """Refuse logins and launches from a platform (or one deployment). Nothing is deleted."""
    _set_enabled(platform_id, deployment_id, False)


@platform.command("enable")
@click.argument("platform_id", type=int)
@click.option("--deployment-id", default=None, help="Enable only this deployment.")
def enable(platform_id, deployment_id):
    """Accept logins and launches again."""
    _set_enabled(platform_id, deployment_id, True)


def _set_enabled(platform_id, deployment_id, enabled):
    app = ready_app()
    word = "enabled" if enabled else "disabled"
    with app.app_context():
        try:
            if deployment_id is not None:
                platforms.set_deployment_enabled(platform_id, deployment_id, enabled)
                click.echo(f"platform {platform_id}: deployment {deployment_id} {word}")
            else:
                p = platforms.set_enabled(platform_id, enabled)
                click.echo(f"platform {p.id} ({p.issuer}, client_id={p.client_id}) {word}")
        except PlatformError as exc:
            _fail(exc)


@platform.command("remove")
@click.argument("platform_id", type=int)
@click.option("--force", is_flag=True, help="Also delete the attempts, users and courses of this platform.")
def remove(platform_id, force):
    """Delete a registration. Refused while student attempts reference it, unless --force."""
    app = ready_app()
    with app.app_context():
        try:
            label, attempts = platforms.remove(platform_id, force=force)
        except PlatformError as exc:
            _fail(exc)
        click.echo(f"platform {platform_id} ({label}) removed" + (f" with {attempts} attempt(s)" if attempts else ""))
