"""lti_tool.charts on its own: well-formed SVG with a title and a description that say the numbers."""
from xml.etree import ElementTree

from lti_tool import charts

NS = "{http://www.w3.org/2000/svg}"


def _svg(markup):
    root = ElementTree.fromstring(markup)
    assert root.tag == NS + "svg" and root.get("role") == "img"
    title, desc = root.find(NS + "title"), root.find(NS + "desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root, title.text, desc.text


def test_histogram_counts_each_band_and_says_them():
    root, title, desc = _svg(charts.score_histogram([5, 15, 15, 95, 100, 100], title="Scores", chart_id="h"))
    assert title == "Scores"
    assert "6 attempt scores" in desc and "10–20 %: 2" in desc and "90–100 %: 3" in desc
    bars = [r for r in root.iter(NS + "rect")]
    assert len(bars) == 10 and sum(1 for b in bars if float(b.get("height")) > 0) == 3


def test_scatter_marks_flagged_items_by_shape_and_names_them():
    pts = [charts.Point("good-1", 60, 45), charts.Point("bad-<1>", 55, -30, True)]
    root, _, desc = _svg(charts.facility_discrimination(pts, chart_id="s"))
    assert len(list(root.iter(NS + "circle"))) == 1 and len(list(root.iter(NS + "path"))) == 1
    assert "flagged: bad-<1>" in desc and "1 question below zero" in desc


def test_option_bars_mark_the_key_and_escape_text():
    root, _, desc = _svg(charts.option_bars([("Why did you & <she>", 3, False), ("Tell me more", 7, True)],
                                            title="Q1", chart_id="o"))
    assert "Tell me more (correct): 7" in desc and "Why did you & <she>: 3" in desc
    texts = [t.text for t in root.iter(NS + "text")]
    assert "✓ Tell me more" in texts


def test_empty_data_still_draws_a_valid_chart():
    _svg(charts.score_histogram([]))
    _svg(charts.facility_discrimination([]))
    _svg(charts.option_bars([], title="none"))
