"""rapport admin create-user | set-password | list-users | delete-user."""
import sys

import click

from ..services import admins
from ..services.admins import AdminError
from .run_cli import ready_app


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


@click.group()
def admin():
    """Administrators of the /admin pages."""


@admin.command("create-user")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_user(username, password_stdin):
    """Create an admin who can sign in at $RAPPORT_BASE_URL/admin."""
    app = ready_app()
    with app.app_context():
        try:
            admins.check_username(username)
            admins.create_user(username, _read_password(password_stdin))
        except AdminError as exc:
            raise click.ClickException(exc.message)
        click.echo(f"admin user {username} created; sign in at {app.config['BASE_URL']}/admin")


@admin.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def set_password(username, password_stdin):
    """Change an admin's password (signs out their sessions and lifts a lockout)."""
    app = ready_app()
    with app.app_context():
        try:
            admins.set_password(username, _read_password(password_stdin))
        except AdminError as exc:
            raise click.ClickException(exc.message)
        click.echo(f"password of {username} changed")


@admin.command("list-users")
def list_users():
    """List admin users."""
    app = ready_app()
    with app.app_context():
        rows = admins.users()
        if not rows:
            click.echo("no admin users (create one with: rapport admin create-user NAME)")
        for u in rows:
            last = u.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if u.last_login_at else "never"
            click.echo(f"{u.username}\tlast sign-in {last}")


@admin.command("delete-user")
@click.argument("username")
def delete_user(username):
    """Delete an admin user."""
    app = ready_app()
    with app.app_context():
        try:
            admins.delete_user(username)
        except AdminError as exc:
            raise click.ClickException(exc.message)
        click.echo(f"admin user {username} deleted")
