"""rapport bank lint | stats | sync | import | export | calibrate."""
import os

import click

from .run_cli import make_app

FORMAT_CHOICES = click.Choice(["moodle-xml", "gift", "qti"])


@click.group()
def bank():
    """The question bank."""


@bank.command("lint", context_settings={"ignore_unknown_options": False})
@click.option("--strict", is_flag=True, help="Fail on warnings too (rationale length, test-wise cues); CI runs this.")
@click.option("--collection", "collections", multiple=True,
              help="Lint an imported collection in the database instead: our writing rules are warnings there.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def lint(strict, collections, paths):
    """Check bank YAML files (default: the bundled bank), or imported collections. Exits 1 on any error."""
    if collections:
        return _lint_collections(list(collections), strict)
    from question_bank import lint as bank_lint
    rc = bank_lint.main((["--strict"] if strict else []) + list(paths))
    if rc:
        raise SystemExit(rc)


def _lint_collections(collections, strict):
    from question_bank.formats.common import lint_imported

    from ..services.bank_store import current_items
    if "bundled" in collections:
        raise click.ClickException("the bundled bank is linted from its YAML: rapport bank lint [--strict]")
    app = make_app()
    with app.app_context():
        by_collection = {}
        for r in current_items(collections).values():
            by_collection.setdefault(r.collection, []).append(r.definition)
    missing = [c for c in collections if c not in by_collection]
    if missing:
        raise click.ClickException(f"no items in collection(s) {', '.join(map(repr, missing))}; "
                                   "`rapport bank import` fills one")
    problems = []
    for name in collections:
        problems += lint_imported(sorted(by_collection[name], key=lambda d: d["id"]), f"db:{name}")
    for p in problems:
        click.echo(str(p))
    errors = sum(p.level == "error" for p in problems)
    click.echo(f"{errors} error(s), {len(problems) - errors} warning(s)", err=True)
    if errors or (strict and problems):
        raise SystemExit(1)


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
@click.option("--format", "fmt", type=FORMAT_CHOICES,
              help="File format (default: detected from the file).")
@click.option("--collection", default=None,
              help="Put every question in this collection (default: the file's categories, else 'imported').")
@click.option("--topic", default=None, help="Topic for questions that carry none.")
@click.option("--strict", is_flag=True, help="Import nothing if any question would be skipped, or is "
              "already stored under its id and version with other content.")
@click.option("--dry-run", is_flag=True, help="Print the report; write nothing.")
def import_(file, fmt, collection, topic, strict, dry_run):
    """Import questions: what Rapport can serve imports, the rest is skipped and reported
    one per line (file:line, name, why)."""
    from question_bank.bank import BankError
    from question_bank.formats import FormatError, detect_format, import_bytes
    from question_bank.vocabulary import TOPICS

    from ..services.bank_store import BankSyncError, import_items

    if topic is not None and topic not in TOPICS:
        raise click.ClickException(f"nothing imported: --topic {topic!r} is not one of {', '.join(TOPICS)}")
    try:
        with open(file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise click.ClickException(f"nothing imported: cannot read {file}: {exc.strerror or exc}")
    name = os.path.basename(file)
    fmt = fmt.replace("-", "_") if fmt else detect_format(data, name)
    if fmt is None:
        raise click.ClickException(f"nothing imported: cannot tell the format of {name}; "
                                   "pass --format moodle-xml, gift or qti")

    def progress(done, total):
        if total >= 50 and (done == total or done % 50 == 0):
            click.echo(f"  validated {done}/{total}", err=True)
    try:
        items, report = import_bytes(data, fmt, name, collection=collection, topic=topic,
                                     strict=strict, progress=progress)
    except FormatError as exc:
        raise click.ClickException(f"nothing imported: {exc}")
    for line in report.lines():
        click.echo(f"  {line}")
    if dry_run:
        click.echo(f"dry run: {report.summary()}; nothing written")
        return
    if not items:
        raise click.ClickException(f"nothing imported: {name} holds no question Rapport can serve "
                                   f"({len(report.skipped)} skipped, listed above)")
    app = make_app()
    with app.app_context():
        try:
            counts = import_items(items, name, report.collections, report.case_studies, report.media,
                                  report.item_lines, strict=strict)
        except (BankSyncError, BankError) as exc:
            raise click.ClickException(f"nothing imported: {str(exc).splitlines()[0]}")
    for line in counts["changed"]:
        click.echo(f"  {line}")
    present = counts["present"]
    for item_id in present[:10]:
        click.echo(f"  {name}:{report.item_lines.get(item_id, '?')}: {item_id}: already present (same id, "
                   "version and content): left as it is")
    if len(present) > 10:
        click.echo(f"  ... and {len(present) - 10} more already present")
    where = sorted(set(report.collections.values()))
    changed = f", {len(counts['changed'])} not imported (changed without a new version, listed above)" \
        if counts["changed"] else ""
    click.echo(f"imported {counts['added']} items into collection{'s' if len(where) > 1 else ''} "
               f"{', '.join(repr(w) for w in where)} ({counts['unchanged']} already present{changed}); "
               f"{len(report.skipped)} skipped, {len(report.warnings)} warning(s)")


@bank.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--format", "fmt", required=True, type=click.Choice(["qti", "moodle-xml"]))
@click.option("--collection", "collections", multiple=True, help="Only these collections (default: all).")
def export(out, fmt, collections):
    """Export the current version of every item, and the case studies (QTI keeps them)."""
    from ..services.bank_store import export_collection

    app = make_app()
    with app.app_context():
        result, count = export_collection(list(collections) or None, fmt.replace("-", "_"))
    if count == 0:
        raise click.ClickException(f"nothing exported: no items in {', '.join(collections) or 'the bank'}")
    try:
        with open(out, "wb") as fh:
            fh.write(result.data)
    except OSError as exc:
        raise click.ClickException(f"nothing exported: cannot write {out}: {exc.strerror or exc}")
    click.echo(f"exported {count - result.skipped_items} items to {out}")
    for line in result.report:
        click.echo(f"  {line}")


@bank.command("calibrate")
@click.option("--show", default=20, show_default=True, type=click.IntRange(0, 10000),
              help="How many poor-fit items to list (most answered first).")
def calibrate_cmd(show):
    """Refit item difficulties (Rasch, with the difficulty label as prior) from every graded
    answer and report items whose fit is poor. Adaptive practice reads the result; run it
    after a term's attempts, or nightly (it never runs in a request)."""
    from ..services import calibration

    from .run_cli import ready_app

    app = ready_app()  # one line, never a traceback, when the database is missing or behind
    with app.app_context():
        report = calibration.run()
    if report.items == 0:
        raise click.ClickException("no items to calibrate: the bank is empty; run: rapport bank sync")
    click.echo(f"calibrated {report.items} items from {report.responses} graded answers by {report.students} "
               f"students ({report.with_data} items had answers; the rest keep their label's difficulty)")
    if not report.poor_fit:
        click.echo("no item fits poorly")
        return
    click.echo(f"{len(report.poor_fit)} item(s) fit poorly:")
    for item_id, n, difficulty, problems in report.poor_fit[:show]:
        click.echo(f"  {item_id} ({n} answers, {difficulty:+.2f} logits): {'; '.join(problems)}")
    if len(report.poor_fit) > show:
        click.echo(f"  ... and {len(report.poor_fit) - show} more (--show N)")
