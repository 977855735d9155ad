"""The assignment builder: deep linking (a new activity in Moodle or Canvas) and the settings
of an existing link, one form for both."""
from __future__ import annotations

from datetime import timezone

from flask import current_app, redirect, render_template, request, url_for

from ...extensions import csrf
from ...forms.instructor import ROWS, AssignmentForm
from ...launch_token import issue
from ...services import assignments, deep_links
from ...services.launches import lms_due_date_param
from . import bp
from .common import page, problems, staff


def _choices(form: AssignmentForm, assignment) -> None:
    choices = assignments.blueprint_choices()
    bp_ = assignment.blueprint or {}
    keys = {k for k, _ in choices}
    if bp_ and bp_.get("key") not in keys and bp_.get("key") != assignments.CUSTOM:
        # The set this assignment really uses, so saving another field never switches it.
        choices.insert(0, (assignments.CURRENT, f"Keep the current set: {assignments.blueprint_label(bp_)}"))
    choices.append((assignments.CUSTOM, "Build your own set (rows below)"))
    form.blueprint_key.choices = choices
    # never another course's imports (bank_store.owned_collection)
    form.collections.choices = [(c, assignments.label(c))
                                for c in assignments.collection_choices(assignment.context_id)]


def _form(assignment, formdata=None) -> AssignmentForm:
    if formdata is not None:
        form = AssignmentForm(formdata=formdata)
        _choices(form, assignment)
        return form
    form = AssignmentForm(obj=assignment)
    _choices(form, assignment)
    bp_ = assignment.blueprint or {}
    keys = {k for k, _ in form.blueprint_key.choices}
    if not bp_:
        form.blueprint_key.data = "quick-check" if "quick-check" in keys else form.blueprint_key.choices[0][0]
    elif bp_.get("key") in keys:
        form.blueprint_key.data = bp_["key"]
    else:
        form.blueprint_key.data = assignments.CURRENT
    if bp_.get("key") == assignments.CUSTOM:
        for row, sec in zip(form.sections, bp_.get("sections") or []):
            for k, v in (sec.get("filter") or {}).items():
                if hasattr(row.form, k):
                    getattr(row.form, k).data = v[0] if isinstance(v, list) and v else v
            row.form.count.data = sec.get("count")
    form.collections.data = bp_.get("collections") or []
    form.mode.data = assignment.mode or "fixed"
    adaptive = assignment.adaptive or {}
    form.adaptive_max_items.data = adaptive.get("max_items", 25)
    precision = str(adaptive.get("se_target", "0.45"))
    form.adaptive_precision.data = precision if precision in dict(form.adaptive_precision.choices) else "0.45"
    form.adaptive_grade.data = adaptive.get("grade", "completion")
    if assignment.due_at is not None:
        form.due_at.data = assignment.due_at.astimezone(timezone.utc).replace(tzinfo=None)
    return form


def _settings(form: AssignmentForm) -> assignments.Settings:
    due = form.due_at.data.replace(tzinfo=timezone.utc) if form.due_at.data else None
    return assignments.Settings(
        blueprint_key=form.blueprint_key.data, attempts_allowed=form.attempts_allowed.data,
        grading_method=form.grading_method.data, feedback_policy=form.feedback_policy.data,
        points_possible=float(form.points_possible.data), time_limit_minutes=form.time_limit_minutes.data,
        collections=form.collections.data or None, title=form.title.data, sections=form.custom_sections(),
        shuffle_options=bool(form.shuffle_options.data), due_at=due, delivery=form.delivery.data or None,
        mode=form.mode.data or "fixed",
        adaptive={"max_items": form.adaptive_max_items.data or 25, "se_target": float(form.adaptive_precision.data),
                  "grade": form.adaptive_grade.data} if form.mode.data == "adaptive" else None)


def _availability(form: AssignmentForm) -> list[int | None]:
    rows = []
    for row in form.sections:
        flt = {k: getattr(row.form, k).data for k in ("topic", "type", "cjmm_skill", "difficulty")
               if getattr(row.form, k).data}
        rows.append(flt if (flt or row.form.count.data) else None)
    counts = assignments.availability([r for r in rows if r is not None], form.collections.data or None)
    it = iter(counts)
    return [next(it) if r is not None else None for r in rows]


def _builder_context(form, assignment):
    from question_bank.blueprints import load_named
    return dict(form=form, availability=_availability(form), rows=ROWS,
                descriptions={k: nb.description for k, nb in load_named().items()},
                custom=assignments.CUSTOM)


# ---- settings of this link (and first-time setup) ---------------------------------------------

@bp.get("/settings")
def settings_page():
    tok, link = staff()
    form = _form(link.assignment)
    return page("instructor/settings.html", tok, link, "instructor.settings_page",
                **_builder_context(form, link.assignment), saved=request.args.to_dict())


@bp.post("/settings")
@csrf.exempt  # launch token
def settings():
    tok, link = staff()
    assignment = link.assignment
    form = _form(assignment, request.form)
    ctx = _builder_context(form, assignment)
    if request.form.get("action") == "check":
        return page("instructor/settings.html", tok, link, "instructor.settings_page", **ctx, checked=True)
    if not form.validate():
        return page("instructor/settings.html", tok, link, "instructor.settings_page", 400, **ctx,
                    problems=problems(form))
    s = _settings(form)
    lms_due = lms_due_date_param(link.custom or {})
    _, found = assignments.check(assignment, s)
    if s.feedback_policy == "after_due" and s.due_at is None and not lms_due:
        found.append("Rationales \"after the due date\" need a due date, and neither this page nor the LMS gives "
                     "one: enter a due date, or choose another time to show rationales.")
    if found:
        return page("instructor/settings.html", tok, link, "instructor.settings_page", 400, **ctx, problems=found)
    change = assignments.preview_change(assignment, s, lms_due)
    needs_confirm = assignment.configured_at is not None and (change.regrade and change.students or change.started)
    if needs_confirm and request.form.get("confirm") != "1":
        fields = [(k, v) for k, vs in request.form.lists() for v in vs if k not in ("confirm", "action")]
        return page("instructor/confirm.html", tok, link, "instructor.settings_page", change=change, fields=fields)
    try:
        done = assignments.save(assignment, s, lms_sends_due_date=lms_due)
    except assignments.SettingsError as exc:
        return page("instructor/settings.html", tok, link, "instructor.settings_page", 400, **ctx, problems=exc.problems)
    args = {"saved": 1}
    if done.regrade:
        args["regraded"] = done.students
    if done.question_set:
        args["set_changed"], args["started"] = 1, done.started
    return redirect(url_for("instructor.settings_page", lt=issue(tok), **args), code=303)


# ---- deep linking ------------------------------------------------------------------------------

def _dl_page(dl_token, session, form, status=200, **kw):
    context = deep_links.context_of(session)
    return render_template("instructor/deep_link.html", dl=dl_token, context=context, nav=(), active=None,
                           settings=session.settings, **_builder_context(form, None), **kw), status


@bp.get("/deep-link")
def deep_link_page():
    raw = request.args.get("dl")
    session = deep_links.load(raw)
    assignment = deep_links.new_assignment(session)
    return _dl_page(raw, session, _form(assignment))


@bp.post("/deep-link")
@csrf.exempt  # the signed deep-linking token is the CSRF defence
def deep_link():
    raw = request.form.get("dl")
    session = deep_links.load(raw)
    assignment = deep_links.new_assignment(session)
    form = _form(assignment, request.form)
    if request.form.get("action") == "check":
        return _dl_page(raw, session, form, checked=True)
    if not form.validate():
        return _dl_page(raw, session, form, 400, problems=problems(form))
    s = _settings(form)
    if s.feedback_policy == "after_due" and s.due_at is None and not session.lms_sends_due_date:
        return _dl_page(raw, session, form, 400, problems=[
            "Rationales \"after the due date\" need a due date, and the LMS does not send one: enter a due date, "
            "or choose another time to show rationales."])
    try:
        assignment = deep_links.create(session, s)
    except assignments.SettingsError as exc:
        return _dl_page(raw, session, form, 400, problems=exc.problems)
    return_url, jwt_value = deep_links.response(session, assignment, current_app.config["BASE_URL"])
    return render_template("instructor/deep_link_return.html", return_url=return_url, jwt=jwt_value,
                           assignment=assignment, nav=(), active=None)
