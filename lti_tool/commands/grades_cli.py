"""rapport grades status | reconcile | send-again: grade operations for the person on call."""
from __future__ import annotations

import click

from .run_cli import make_app


@click.group()
def grades():
    """Gradebook sync: what is waiting, what differs from the LMS, and sending again."""


@grades.command("status")
def status():
    """Counts by state, platforms that cannot be reached, and grades given up on."""
    from ..extensions import db
    from ..models import GradeSync, User
    from ..services import grade_sync
    app = make_app()
    with app.app_context():
        counts = dict(db.session.execute(
            db.select(GradeSync.status, db.func.count()).group_by(GradeSync.status)).all())
        click.echo("grades: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none yet"))
        for o in grade_sync.outages():
            click.echo(f"unreachable since {o.since:%Y-%m-%d %H:%M UTC}: {o.platform.issuer} "
                       f"(client_id {o.platform.client_id}), {o.waiting} waiting; last answer: {o.message}")
        dead = db.session.execute(db.select(GradeSync, User).join(User, User.id == GradeSync.user_id)
                                  .where(GradeSync.status == "dead").order_by(GradeSync.id)).all()
        for row, user in dead:
            click.echo(f"dead {row.id}: user {user.sub} link {row.resource_link_id}: {row.last_error}"
                       + (f" ({row.last_fix})" if row.last_fix else ""))
        if dead:
            click.echo("send them again with: rapport grades send-again --dead")


@grades.command("reconcile")
@click.option("--context", "context_id", default=None, help="Only the links of this LMS course (context) id.")
@click.option("--fix", is_flag=True, help="Queue Rapport's score for every student who differs.")
def reconcile(context_id, fix):
    """Read each line item's results from the LMS and list students whose score differs."""
    from ..services import grade_sync
    app = make_app()
    with app.app_context():
        links = grade_sync.links_in_context(context_id)
        if not links:
            where = f" in context {context_id!r}" if context_id else ""
            raise click.ClickException(f"no resource links with a grade service{where}; "
                                       "`rapport grades status` shows what Rapport holds")
        differ = 0
        for link in links:
            report = grade_sync.reconcile(link, queue=fix)
            label = f"link {link.id} ({link.title or link.resource_link_id}, context {link.context.context_id})"
            if report.error:
                click.echo(f"{label}: could not read the gradebook: {report.error.message}"
                           + (f" ({report.error.fix})" if report.error.fix else ""))
                continue
            click.echo(f"{label}: {report.checked} students checked, {len(report.differences)} differ"
                       + (f", {report.queued} queued" if fix else ""))
            for d in report.differences:
                want = f"{d.expected.score_given:g}/{d.expected.score_maximum:g}" if d.expected else "nothing"
                click.echo(f"  {d.user.sub}\t{d.user.name or ''}\trapport {want}\tgradebook {d.actual_text}\t{d.status.state}")
            differ += len(report.differences)
        if differ and not fix:
            click.echo("queue the corrections with: rapport grades reconcile --fix"
                       + (f" --context {context_id}" if context_id else ""))
        return 1 if differ and not fix else 0


@grades.command("send-again")
@click.argument("row_ids", nargs=-1, type=int)
@click.option("--dead", is_flag=True, help="Every grade given up on.")
def send_again(row_ids, dead):
    """Post the current score again for the given grade rows (ids from `rapport grades status`)."""
    from ..extensions import db
    from ..models import GradeSync
    from ..services import grade_sync
    if not row_ids and not dead:
        raise click.UsageError("give grade row ids or --dead")
    app = make_app()
    with app.app_context():
        q = db.select(GradeSync)
        q = q.where(GradeSync.status == "dead") if dead else q.where(GradeSync.id.in_(row_ids))
        rows = db.session.execute(q).scalars().all()
        missing = set(row_ids) - {r.id for r in rows}
        if missing:
            raise click.ClickException(f"no grade rows {sorted(missing)}; `rapport grades status` lists them")
        for row in rows:
            grade_sync.send_again(row)
        click.echo(f"{len(rows)} queued; the worker sends them within seconds")
