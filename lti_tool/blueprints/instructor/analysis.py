"""Item analysis with server-drawn charts, its CSV, and the class review by topic and technique."""
from __future__ import annotations

from flask import Response, request

from ... import charts
from ...services import analysis
from ...services.assignments import label
from . import bp
from .common import page, staff


def _scope() -> str:
    return "set" if request.args.get("scope") == "set" else "link"


@bp.get("/analysis")
def analysis_page():
    tok, link = staff()
    scope = _scope()
    ia = analysis.item_analysis(link, scope)
    figures = {}
    if ia.enough:
        figures["histogram"] = charts.score_histogram(ia.percents, title="Scores of graded attempts",
                                                      chart_id="chart-histogram")
        figures["scatter"] = charts.facility_discrimination(
            [charts.Point(r.bank_item.item_id, r.stats.facility_percent, r.stats.discrimination_index, r.flagged)
             for r in ia.rows if r.stats.facility_percent is not None and r.stats.discrimination_index is not None],
            chart_id="chart-scatter")
        for r in ia.rows:
            if r.options and len(r.options) <= 8:
                figures[r.anchor] = charts.option_bars([(o.text, o.count, o.is_key) for o in r.options],
                                                       title=f"Options chosen for {r.bank_item.item_id}",
                                                       chart_id=f"chart-{r.anchor}")
    return page("instructor/analysis.html", tok, link, "instructor.analysis_page", ia=ia, figures=figures,
                scope=scope, min_attempts=analysis.MIN_ATTEMPTS, min_served=analysis.MIN_SERVED, label=label)


@bp.get("/analysis.csv")
def analysis_csv():
    tok, link = staff()
    body = analysis.to_csv(analysis.item_analysis(link, _scope()))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="rapport-item-analysis-{link.id}.csv"'})


@bp.get("/review")
def class_review():
    tok, link = staff()
    scope = _scope()
    return page("instructor/review.html", tok, link, "instructor.class_review", cr=analysis.class_review(link, scope),
                scope=scope)
