"""The `rapport` command line. Every failure is one line on stderr naming the cause and the fix;
bad arguments exit 2, other failures 1. `--debug` (or RAPPORT_DEBUG=1) shows the traceback."""
from __future__ import annotations

import sys
import traceback

import click

from .commands import admin_cli, bank_cli, check_cli, grades_cli, keys_cli, platform_cli, run_cli
from .commands.errors import explain


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Print the full traceback when a command fails.")
def cli(debug):
    """Rapport: LTI 1.3 therapeutic-alliance assessments."""


for command in (run_cli.serve, run_cli.worker, run_cli.demo, run_cli.db, platform_cli.platform, bank_cli.bank,
                grades_cli.grades, admin_cli.admin, keys_cli.keys, check_cli.check):
    cli.add_command(command)


def _error(message: str) -> None:
    click.echo(f"rapport: error: {' '.join(message.split())}", err=True)


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from config import debug_requested
    debug = "--debug" in args or debug_requested()
    try:
        rv = cli.main(args=args, prog_name="rapport", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except click.UsageError as exc:
        where = exc.ctx.command_path.split(" ", 1)[1] + " " if exc.ctx and " " in exc.ctx.command_path else ""
        _error(f"{exc.format_message()} (see rapport {where}--help)")
        return 2
    except click.ClickException as exc:
        _error(exc.format_message())
        return exc.exit_code if exc.exit_code else 1
    except click.exceptions.Abort:
        click.echo("rapport: aborted", err=True)
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns any failure into one line
        if debug:
            traceback.print_exc()
        _error(explain(exc, _database_url()))
        return 1


def _database_url() -> str | None:
    try:
        from config import Settings
        return Settings.from_env()["SQLALCHEMY_DATABASE_URI"]
    except Exception:  # noqa: BLE001 - only used to word the message
        return None


if __name__ == "__main__":
    sys.exit(main())
