"""Count what a request costs the database: SQL statements and commits, by SQLAlchemy events.

Query budgets (issue 13) are tests on these counts, never on time. A broken budget fails
with every statement listed, so the change that added one is easy to find.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)
    commits: int = 0
    rollbacks: int = 0

    def report(self) -> str:
        lines = [f"{len(self.statements)} statements, {self.commits} commits, {self.rollbacks} rollbacks:"]
        lines += [f"  {n:2d}. {_short(s)}" for n, s in enumerate(self.statements, 1)]
        return "\n".join(lines)

    def check(self, what: str, *, statements: int | None = None, commits: int | None = None) -> None:
        """Fail, listing every statement, when `what` went over its budget."""
        over = []
        if statements is not None and len(self.statements) > statements:
            over.append(f"{len(self.statements)} statements (budget {statements})")
        if commits is not None and self.commits > commits:
            over.append(f"{self.commits} commits (budget {commits})")
        assert not over, f"{what} is over its query budget: {', '.join(over)}\n{self.report()}"


def _short(sql: str, width: int = 220) -> str:
    one = re.sub(r"\s+", " ", sql).strip()
    return one if len(one) <= width else one[:width] + " …"


@contextmanager
def counting(engine):
    """Log every statement sent to the driver (executemany counts once) and every commit."""
    log = QueryLog()

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        log.statements.append(statement + ("  [executemany]" if executemany else ""))

    def on_commit(conn):
        log.commits += 1

    def on_rollback(conn):
        log.rollbacks += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "rollback", on_rollback)
