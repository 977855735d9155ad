"""Class mastery (issue 16): by topic and technique, over time, stuck students, CSV. Staff of this course only."""
from __future__ import annotations

from flask import Response

from ...services import class_mastery
from . import bp
from .common import page, staff


@bp.get("/mastery")
def mastery_page():
    tok, link = staff()
    cm = class_mastery.class_mastery(link.context_id)
    return page("instructor/mastery.html", tok, link, "instructor.mastery_page", cm=cm, bands=class_mastery.BANDS)


@bp.get("/mastery.csv")
def mastery_csv():
    tok, link = staff()
    body = class_mastery.to_csv(class_mastery.class_mastery(link.context_id))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="rapport-mastery-{link.context_id}.csv"'})
