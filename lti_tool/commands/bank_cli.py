"""rapport bank lint | stats | sync | import | export."""
import click

from .run_cli import make_app

FORMAT_CHOICES = click.Choice(["moodle-xml", "gift", "qti"])


@click.group()
def bank():
    """The question bank."""


@bank.command("lint", context_settings={"ignore_unknown_options": False})
@click.option("--strict", is_flag=True, help="Fail on warnings too (rationale length, test-wise cues); CI runs this.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def lint(strict, paths):
    """Check bank YAML files (default: the bundled bank). Exits 1 on any error."""
    from question_bank import lint as bank_lint
    rc = bank_lint.main((["--strict"] if strict else []) + list(paths))
    if rc:
        raise SystemExit(rc)


@bank.command("stats")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def stats(paths):
    """Coverage: items by topic x type x Bloom level x difficulty."""
    from question_bank import stats as bank_stats
    bank_stats.main(list(paths))


@bank.command("sync")
def sync():
    """Store the bundled YAML bank in the database by id and version."""
    from ..services.bank_store import sync_bundled
    app = make_app()
    with app.app_context():
        counts = sync_bundled()
    click.echo(f"bank: {counts['added']} item versions added, {counts['unchanged']} unchanged")


@bank.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", required=True, type=FORMAT_CHOICES)
@click.option("--collection", default="imported", show_default=True)
@click.option("--topic", default=None, help="Topic for items that carry none.")
def import_(file, fmt, collection, topic):
    """Import items into a named collection. All or nothing."""
    from question_bank.formats import FormatError, import_file

    from ..services.bank_store import BankSyncError, import_dicts

    def progress(done, total):
        if total >= 50 and (done == total or done % 50 == 0):
            click.echo(f"  validated {done}/{total}", err=True)
    try:
        dicts = import_file(file, fmt.replace("-", "_"), collection=collection, topic=topic, progress=progress)
    except FormatError as exc:
        raise click.ClickException(f"nothing imported: {exc}")
    app = make_app()
    with app.app_context():
        try:
            counts = import_dicts(dicts, collection, file)
        except BankSyncError as exc:
            raise click.ClickException(f"nothing imported: {exc}")
    click.echo(f"imported {counts['added']} items into collection '{collection}' ({counts['unchanged']} already present)")


@bank.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--format", "fmt", required=True, type=click.Choice(["qti", "moodle-xml"]))
@click.option("--collection", "collections", multiple=True, help="Only these collections (default: all).")
def export(out, fmt, collections):
    """Export the current version of every item."""
    from question_bank.formats import export_items

    from ..services.bank_store import current_items
    app = make_app()
    with app.app_context():
        rows = current_items(list(collections) or None)
        # Neither format has an unfolding case study (shared, growing stimulus); leave them out whole.
        dicts = [r.definition for r in rows.values() if not r.case_study]
        cases = sorted({r.case_study for r in rows.values() if r.case_study})
    result = export_items(dicts, fmt.replace("-", "_"))
    if cases:
        click.echo(f"  case studies not exported (no equivalent in {fmt}): {', '.join(cases)}")
    data = result.data if isinstance(result.data, bytes) else result.data.encode()
    with open(out, "wb") as fh:
        fh.write(data)
    click.echo(f"exported {len(dicts) - len(result.skipped)} items to {out}")
    for line in result.report if isinstance(result.report, list) else [result.report]:
        if line:
            click.echo(f"  {line}")
