"""What every instructor page shares: who is asking, the page frame, form problems."""
from __future__ import annotations

from flask import render_template

from ...launch_token import LaunchToken, issue
from ...models import ResourceLink
from ...services import assignments
from ...services.lms_frame import lms_origins
from ..auth import current_token, staff_link

NAV = (("instructor.overview", "Results"), ("instructor.analysis_page", "Item analysis"),
       ("instructor.class_review", "Class review"), ("instructor.mastery_page", "Mastery"),
       ("instructor.accommodations_page", "Accommodations"),
       ("instructor.settings_page", "Settings"), ("instructor_bank.page", "Import and export"))


def staff() -> tuple[LaunchToken, ResourceLink]:
    """The launch token and its link; 403 for a learner, 404 for a link of another course."""
    tok = current_token()
    return tok, staff_link(tok)


def page(template: str, tok: LaunchToken, link: ResourceLink, active: str, status: int = 200, **kw):
    kw.setdefault("blueprint_label", assignments.blueprint_label)
    kw.setdefault("lms_origins", lms_origins(link.id))
    return render_template(template, tok=tok, token=issue(tok), link=link, assignment=link.assignment,
                           nav=NAV, active=active, **kw), status


def problems(form) -> list[str]:
    """Form errors in the instructor's words, one per field (nested rows named by number)."""
    out = []
    for name, errs in form.errors.items():
        field = getattr(form, name)
        if name == "sections":
            for i, row_errs in enumerate(errs, 1):
                if isinstance(row_errs, dict):
                    for sub, msgs in row_errs.items():
                        out.append(f"Row {i}: {', '.join(msgs)}")
            continue
        out.append(f"{field.label.text}: {', '.join(str(e) for e in errs)}")
    return out
