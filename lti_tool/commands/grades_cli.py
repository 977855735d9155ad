"""rapport grades status | show | retry | reconcile: grade operations for the person on call."""
from __future__ import annotations

import click

from .run_cli import make_app


@click.group()
def grades():
    """Gradebook sync: what is waiting, what differs from the LMS, and sending again."""


@grades.command("status")
def status():
    """Counts by state, the oldest waiting score, unreachable platforms, and grades given up on."""
    from ..extensions import db
    from ..models import GradeSync, User
    from ..models.base import utcnow
    from ..services import grade_sync
    app = make_app()
    with app.app_context():
        counts = dict(db.session.execute(
            db.select(GradeSync.status, db.func.count()).group_by(GradeSync.status)).all())
        click.echo("grades: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none yet"))
        oldest = db.session.execute(db.select(db.func.min(GradeSync.next_try_at)).where(
            GradeSync.status.in_(["pending", "failed"]))).scalar()
        waiting = db.session.execute(db.select(GradeSync).where(GradeSync.status.in_(["pending", "failed"]))
                                     .order_by(GradeSync.failing_since.is_(None), GradeSync.failing_since,
                                               GradeSync.created_at)).scalars().first()
        if oldest is not None and waiting is not None:
            since = waiting.failing_since or waiting.created_at
            click.echo(f"oldest waiting: row {waiting.id}, {_age(utcnow() - since)}")
        for o in grade_sync.outages():
            click.echo(f"unreachable since {o.since:%Y-%m-%d %H:%M UTC}: {o.platform.issuer} "
                       f"(client_id {o.platform.client_id}), {o.waiting} waiting; last answer: {o.message}")
        dead = db.session.execute(db.select(GradeSync, User).join(User, User.id == GradeSync.user_id)
                                  .where(GradeSync.status == "dead").order_by(GradeSync.id)).all()
        for row, user in dead:
            click.echo(f"dead {row.id}: user {user.sub} link {row.resource_link_id}: {row.last_error}"
                       + (f" ({row.last_fix})" if row.last_fix else ""))
        if dead:
            click.echo("send them again with: rapport grades retry --all-failed")


def _age(delta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"


@grades.command("show")
@click.argument("row_id", type=int)
def show(row_id):
    """Everything about one grade row: who, which link, what is owed, what the LMS last said."""
    from ..extensions import db
    from ..models import GradeSync
    from ..services import grade_sync
    app = make_app()
    with app.app_context():
        row = db.session.get(GradeSync, row_id)
        if row is None:
            raise click.ClickException(f"no grade row {row_id}; `rapport grades status` lists them")
        link = row.resource_link
        score = grade_sync.gradebook_score(link.assignment, row.user_id) if link.assignment else None
        fields = [
            ("row", row.id), ("status", row.status + ("" if not row.up_to_date or row.status != "delivered" else " (up to date)")),
            ("user", f"{row.user.sub} {row.user.name or ''}".strip()),
            ("platform", f"{row.user.platform.issuer} client_id {row.user.platform.client_id}"),
            ("link", f"{link.id} {link.title or link.resource_link_id} (context {link.context.context_id})"),
            ("line item", row.lineitem_url),
            ("owed now", f"{score.score_given:g} / {score.score_maximum:g}" if score else "nothing (no graded attempt)"),
            ("state", f"change {row.requested_seq} at {row.state_at:%Y-%m-%d %H:%M:%S UTC} ({row.cause})"),
            ("delivered", f"change {row.delivered_seq}, {row.delivered_score:g} / {row.delivered_maximum:g} at "
                          f"{row.delivered_at:%Y-%m-%d %H:%M:%S UTC}" if row.delivered_at and row.delivered_score is not None else "never"),
            ("tries", f"{row.tries} since the last success" + (f", failing since {row.failing_since:%Y-%m-%d %H:%M UTC}"
                                                                   if row.failing_since else "")),
            ("next try", f"{row.next_try_at:%Y-%m-%d %H:%M:%S UTC}" if row.status in ("pending", "failed") else "-"),
            ("last answer", row.last_error or "-"), ("fix", row.last_fix or "-"),
        ]
        for k, v in fields:
            click.echo(f"{k:>12}: {v}")


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


@grades.command("retry")
@click.argument("row_ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Every grade that is failing or was given up on.")
def retry(row_ids, all_failed):
    """Post the current score now for the given grade rows (ids from `rapport grades status`).
    It is always the score the grading method gives now, never an older one."""
    from ..extensions import db
    from ..models import GradeSync
    from ..services import grade_sync
    if bool(row_ids) == bool(all_failed):
        raise click.UsageError("give grade row ids or --all-failed")
    app = make_app()
    with app.app_context():
        q = db.select(GradeSync)
        q = q.where(GradeSync.status.in_(["failed", "dead"])) if all_failed else q.where(GradeSync.id.in_(row_ids))
        rows = db.session.execute(q).scalars().all()
        missing = set(row_ids) - {r.id for r in rows}
        if missing:
            raise click.ClickException(f"no grade rows {sorted(missing)}; `rapport grades status` lists them")
        for row in rows:
            grade_sync.send_again(row)
        click.echo(f"{len(rows)} queued; the worker sends them within seconds")
