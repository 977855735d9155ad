"""The `rapport` command line. Bad arguments print one line and exit 2."""
from __future__ import annotations

import sys

import click

from .commands import bank_cli, grades_cli, platform_cli, run_cli


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Rapport: LTI 1.3 therapeutic-alliance assessments."""


cli.add_command(run_cli.serve)
cli.add_command(run_cli.worker)
cli.add_command(run_cli.demo)
cli.add_command(run_cli.db)
cli.add_command(platform_cli.platform)
cli.add_command(bank_cli.bank)
cli.add_command(grades_cli.grades)


def main(argv=None) -> int:
    try:
        rv = cli.main(args=argv, prog_name="rapport", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except click.UsageError as exc:
        msg = exc.format_message().replace("\n", " ")
        click.echo(f"rapport: error: {msg} (see rapport {exc.ctx.command_path.split(' ', 1)[1] + ' ' if exc.ctx and ' ' in exc.ctx.command_path else ''}--help)", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"rapport: error: {exc.format_message()}", err=True)
        return exc.exit_code if exc.exit_code else 1
    except click.exceptions.Abort:
        return 1


if __name__ == "__main__":
    sys.exit(main())
