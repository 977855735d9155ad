"""Who may see an imported question's image: the same people who may see the question."""
from __future__ import annotations

from ..extensions import db
from ..launch_token import LaunchToken
from ..models import Assignment, Attempt, AttemptItem, BankItem, BankMedia
from ..models.attempts import IN_PROGRESS
from . import bank_store
from .case_progress import case_frontiers, reached


def image_for(tok: LaunchToken, row_id: int, sha256: str) -> BankMedia | None:
    """The image sha256 of bank row row_id, or None when this launch may not see it.

    The row must show that image (its definition lists it), and the viewer must be able to
    see the row: staff, when its collection is one their course may use; a student, when the
    row is in one of their own attempts at this link and, while that attempt is in progress,
    the student has reached it (a later part of a case study stays hidden until then). The image comes from the row's own
    collection, so a course's images are never served through another course's item."""
    row = db.session.get(BankItem, row_id)
    if row is None or sha256 not in (row.definition.get("media") or ()):
        return None
    if tok.role == "staff":
        if row.collection not in bank_store.visible_collections(tok.context_id):
            return None
    else:
        held = db.session.execute(
            db.select(AttemptItem).join(Attempt, AttemptItem.attempt_id == Attempt.id)
            .join(Assignment, Attempt.assignment_id == Assignment.id)
            .where(AttemptItem.bank_item_id == row_id, Attempt.user_id == tok.user_id,
                   Assignment.resource_link_id == tok.resource_link_id)).scalars().all()
        # A later part of a case study is not shown until the student reaches it: nor its images.
        if not any(i.attempt.state != IN_PROGRESS or reached(i, case_frontiers(i.attempt)) for i in held):
            return None
    return db.session.execute(db.select(BankMedia).where(
        BankMedia.collection == row.collection, BankMedia.sha256 == sha256)).scalar_one_or_none()
