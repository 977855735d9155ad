"""Charts as SVG strings, drawn on the server: data in, markup out. No Flask, no JavaScript.

Every chart is an <svg role="img"> with a <title> and a <desc> that states what the chart
shows in words, so a screen reader gets the point without the picture; the pages also show
the same numbers as a table. Colours keep 3:1 contrast against white (WCAG 1.4.11), and a
flagged mark differs by shape as well as colour.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from html import escape

INK, MUTED, ACCENT, FLAG, GRID = "#1b1b1b", "#4a4a4a", "#0b5394", "#a40000", "#767676"
_ids = itertools.count(1)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _frame(width: int, height: int, title: str, desc: str, body: list[str], chart_id: str | None) -> str:
    cid = chart_id or f"chart-{next(_ids)}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 {width} {height}" '
            f'aria-labelledby="{cid}-title {cid}-desc" focusable="false" preserveAspectRatio="xMidYMid meet">'
            f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
            + "".join(body) + "</svg>")


def _text(x: float, y: float, s: str, *, anchor: str = "middle", size: int = 12, fill: str = INK,
          rotate: float | None = None) -> str:
    rot = f' transform="rotate({_num(rotate)} {_num(x)} {_num(y)})"' if rotate is not None else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-family="system-ui, sans-serif"{rot}>{escape(s)}</text>')


def score_histogram(percents: list[float], *, bins: int = 10, title: str = "Scores", chart_id: str | None = None) -> str:
    """Counts of attempts by score band (0–10 %, …, 90–100 %)."""
    counts = [0] * bins
    for p in percents:
        counts[min(bins - 1, max(0, int(p * bins // 100)))] += 1
    width, height, left, bottom, top = 560, 260, 44, 44, 16
    plot_w, plot_h = width - left - 12, height - top - bottom
    peak = max(counts) or 1
    bar_w = plot_w / bins
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{INK}"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{INK}"/>',
            _text(12, top + plot_h / 2, "Attempts", rotate=-90),
            _text(left + plot_w / 2, height - 6, "Score (%)")]
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot_h - plot_h * tick / peak
        body.append(_text(left - 6, y + 4, str(tick), anchor="end", size=11, fill=MUTED))
    for i, c in enumerate(counts):
        h = plot_h * c / peak
        x = left + i * bar_w
        body.append(f'<rect x="{_num(x + 2)}" y="{_num(top + plot_h - h)}" width="{_num(bar_w - 4)}" '
                    f'height="{_num(h)}" fill="{ACCENT}"/>')
        if c:
            body.append(_text(x + bar_w / 2, top + plot_h - h - 4, str(c), size=11))
        body.append(_text(x + bar_w / 2, top + plot_h + 16, f"{i * 100 // bins}", size=11, fill=MUTED))
    n = len(percents)
    modal = max(range(bins), key=lambda i: counts[i]) if n else 0
    desc = (f"Histogram of {n} attempt scores in bands of {100 // bins} percent. "
            + (f"Most attempts ({counts[modal]}) scored {modal * 100 // bins}–{(modal + 1) * 100 // bins} %. " if n else "")
            + "Counts per band: " + ", ".join(f"{i * 100 // bins}–{(i + 1) * 100 // bins} %: {c}"
                                             for i, c in enumerate(counts)) + ".")
    return _frame(width, height, title, desc, body, chart_id)


@dataclass(frozen=True)
class Point:
    label: str
    x: float  # facility, 0..100
    y: float  # discrimination index, -100..100
    flagged: bool = False


def facility_discrimination(points: list[Point], *, title: str = "Facility against discrimination",
                            chart_id: str | None = None) -> str:
    """Each item as a mark: facility (x, 0–100 %) against discrimination index (y, −100…100).
    Flagged items are red triangles; the others blue circles."""
    width, height, left, bottom, top, right = 560, 320, 52, 44, 16, 16
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x):
        return left + plot_w * max(0.0, min(100.0, x)) / 100

    def py(y):
        return top + plot_h * (100 - max(-100.0, min(100.0, y))) / 200

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="{INK}"/>',
            f'<line x1="{left}" y1="{_num(py(0))}" x2="{left + plot_w}" y2="{_num(py(0))}" stroke="{GRID}" '
            f'stroke-dasharray="4 3"/>',
            _text(14, top + plot_h / 2, "Discrimination index", rotate=-90),
            _text(left + plot_w / 2, height - 6, "Facility (% correct)")]
    for v in (-100, -50, 0, 50, 100):
        body.append(_text(left - 6, py(v) + 4, str(v), anchor="end", size=11, fill=MUTED))
    for v in (0, 25, 50, 75, 100):
        body.append(_text(px(v), top + plot_h + 16, str(v), size=11, fill=MUTED))
    for p in points:
        x, y = px(p.x), py(p.y)
        if p.flagged:
            body.append(f'<path d="M{_num(x)} {_num(y - 7)} L{_num(x + 7)} {_num(y + 5)} L{_num(x - 7)} {_num(y + 5)} Z" '
                        f'fill="{FLAG}"><title>{escape(p.label)}: facility {_num(p.x)} %, discrimination '
                        f'{_num(p.y)} (flagged)</title></path>')
        else:
            body.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="5" fill="{ACCENT}"><title>{escape(p.label)}: '
                        f'facility {_num(p.x)} %, discrimination {_num(p.y)}</title></circle>')
    flagged = [p for p in points if p.flagged]
    negative = [p for p in points if p.y < 0]
    desc = (f"Scatter plot of {len(points)} questions: facility from 0 to 100 % across, discrimination index "
            f"from −100 to 100 up. {len(negative)} question{'s' if len(negative) != 1 else ''} below zero "
            f"(stronger students did worse on {'them' if len(negative) != 1 else 'it'})"
            + (f"; flagged: {', '.join(p.label for p in flagged)}." if flagged else "; none flagged."))
    return _frame(width, height, title, desc, body, chart_id)


def option_bars(options: list[tuple[str, int, bool]], *, title: str, chart_id: str | None = None) -> str:
    """How often each option was chosen: (label, count, is_key). Keys are green with a ✓."""
    row_h, left, width, top = 28, 200, 560, 8
    height = top + row_h * max(1, len(options)) + 8
    peak = max((c for _, c, _ in options), default=0) or 1
    plot_w = width - left - 60
    body = []
    for i, (text, count, is_key) in enumerate(options):
        y = top + i * row_h
        short = text if len(text) <= 30 else text[:29] + "…"
        body.append(_text(left - 8, y + 18, ("✓ " if is_key else "") + short, anchor="end", size=12))
        w = plot_w * count / peak
        fill = "#1d6b2f" if is_key else ACCENT
        body.append(f'<rect x="{left}" y="{y + 5}" width="{_num(max(w, 1))}" height="{row_h - 10}" fill="{fill}"/>')
        body.append(_text(left + w + 6, y + 18, str(count), anchor="start", size=12))
    total = sum(c for _, c, _ in options)
    desc = (f"Bar chart of how often each option was chosen, {total} choices in all. "
            + "; ".join(f"{t}{' (correct)' if k else ''}: {c}" for t, c, k in options) + ".")
    return _frame(width, height, title, desc, body, chart_id)
