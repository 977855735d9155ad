"""rapport keys list | rotate."""
from datetime import timedelta

import click

from .run_cli import ready_app


@click.group()
def keys():
    """The tool's signing keys (published at /lti/jwks)."""


@keys.command("list")
def list_():
    """Each key with its state: current (signs), next (published, signs after the next rotation),
    previous (published until its grace period ends)."""
    from ..lti.keys import key_states
    app = ready_app()
    with app.app_context():
        for state, k in key_states():
            until = f" until {k.retire_after:%Y-%m-%d %H:%M UTC}" if state == "previous" else ""
            click.echo(f"{k.kid}\t{state}{until}\tcreated {k.created_at:%Y-%m-%d %H:%M UTC}")


@keys.command("rotate")
@click.option("--grace-hours", default=24, show_default=True, type=click.IntRange(0, 24 * 90),
              help="How long the old key stays published after it stops signing.")
def rotate(grace_hours):
    """The published next key starts signing, the old one stays published for the grace period,
    and a new next key is published. Launches and grade delivery continue throughout."""
    from ..lti.keys import rotate_key
    app = ready_app()
    with app.app_context():
        key = rotate_key(timedelta(hours=grace_hours))
        click.echo(f"key {key.kid} now signs; the previous key stays in /lti/jwks for {grace_hours} h")
