"""Item analysis and test reliability, with Moodle's quiz statistics definitions.

Input is plain data: a response matrix of attempts x items holding the fraction
(0..1) each attempt earned on each item, or None where the item was not served.
Marks are fraction x max_mark (max_mark defaults to 1 per item), as in Moodle.

Definitions follow Moodle's question/classes/statistics/questions/calculator.php
and mod/quiz/report/statistics/classes/calculator.php ("Quiz statistics
calculations" in Moodle's developer docs):

- facility      = mean mark / max mark (Moodle shows it x100)
- SD            = sample SD of the marks (n-1)
- rest score    = attempt total minus this item's mark
- discrimination index = 100 x cov(item, rest) / sqrt(var(item) var(rest))
- discriminative efficiency = 100 x cov(item, rest) / cov_max, where cov_max is
  the covariance of the item marks and the rest scores *each sorted ascending*
  (the largest covariance those two distributions allow)
- effective weight = 100 x sqrt(cov(item, total)) / sum over items of the same
- skewness = k3 / k2^1.5 and kurtosis = k4 / k2^2 with Fisher's k-statistics
- CIC (alpha) = p/(p-1) x (1 - sum item variances / variance of totals)
- SEM = SD x sqrt(1 - alpha)

Every statistic is computed over the attempts in which the item was served.
Anything undefined (too few attempts, zero variance) is None.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

FLAG_NEGATIVE_DISCRIMINATION = "negative-discrimination"
FLAG_TOO_EASY = "too-easy"   # facility > 0.9
FLAG_TOO_HARD = "too-hard"   # facility < 0.2
EASY_ABOVE = 0.9
HARD_BELOW = 0.2


@dataclass
class ItemStats:
    index: int
    item_id: str | None
    n: int                                   # attempts in which the item was served
    max_mark: float
    mean_mark: float | None
    facility: float | None                   # 0..1
    facility_percent: float | None           # what Moodle shows
    sd: float | None                         # in marks
    sd_percent: float | None                 # SD / max mark x 100, as Moodle shows
    discrimination_index: float | None       # -100..100
    discriminative_efficiency: float | None  # percent
    point_biserial: float | None             # corrected: item vs rest, -1..1
    effective_weight: float | None           # percent
    distractors: dict[str, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


@dataclass
class TestStats:
    n: int                                   # attempts with at least one item served
    items: int                               # p, the number of item columns
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None                   # excess kurtosis (0 for a normal)
    alpha: float | None                      # Cronbach's alpha, 0..1 (KR-20 for 0/1 items)
    cic: float | None                        # alpha x 100, as Moodle shows
    error_ratio: float | None                # 100 x sqrt(1 - alpha)
    sem: float | None                        # standard error of measurement, in marks
    dichotomous: bool                        # every mark is 0 or max mark
    complete: bool                           # no None in the matrix
    max_total: float


@dataclass
class Analysis:
    test: TestStats
    items: list[ItemStats]

    def flagged(self) -> list[ItemStats]:
        return [s for s in self.items if s.flags]


def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs)


def median(xs: Iterable[float]) -> float | None:
    s = sorted(xs)
    if not s:
        return None
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def moments(totals: Sequence[float]) -> tuple[float | None, float | None, float | None, float | None]:
    """(mean, sd, skewness, kurtosis) as Moodle's quiz calculator computes them."""
    s = len(totals)
    if s == 0:
        return None, None, None, None
    mean = _mean(totals)
    if s < 2:
        return mean, None, None, None
    d = [t - mean for t in totals]
    p2 = math.fsum(x * x for x in d)
    sd = math.sqrt(p2 / (s - 1))
    skew = kurt = None
    if s > 2:
        m2, m3, m4 = p2 / s, math.fsum(x ** 3 for x in d) / s, math.fsum(x ** 4 for x in d) / s
        k2 = s * m2 / (s - 1)
        k3 = s * s * m3 / ((s - 1) * (s - 2))
        if k2 > 0:
            skew = k3 / k2 ** 1.5
            if s > 3:
                k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
                kurt = k4 / (k2 * k2)
    return mean, sd, skew, kurt


def _count_choice(counts: dict[str, int], chosen: Any) -> None:
    if chosen is None:
        return
    if isinstance(chosen, str):
        counts[chosen] = counts.get(chosen, 0) + 1
    elif isinstance(chosen, Mapping):       # cloze/matrix: "blank=option"
        for k, v in chosen.items():
            for one in ([v] if isinstance(v, str) else v or []):
                key = f"{k}={one}"
                counts[key] = counts.get(key, 0) + 1
    else:                                   # select-all and friends
        for one in chosen:
            counts[str(one)] = counts.get(str(one), 0) + 1


def analyse(scores: Sequence[Sequence[float | None]],
            choices: Sequence[Sequence[Any]] | None = None,
            item_ids: Sequence[str] | None = None,
            max_marks: Sequence[float] | None = None) -> Analysis:
    """Analyse a response matrix (attempts x items of fractions or None).

    choices, if given, has the same shape and holds what each attempt chose for
    each item (an option id, a list of ids, or a mapping), for distractor counts.
    """
    rows = [list(r) for r in scores]
    p = max((len(r) for r in rows), default=len(item_ids or ()))
    if item_ids is not None:
        p = max(p, len(item_ids))
    for r in rows:
        if len(r) < p:
            r.extend([None] * (p - len(r)))
    mm = [float(x) for x in max_marks] if max_marks is not None else [1.0] * p
    if len(mm) != p:
        raise ValueError("max_marks must have one entry per item")
    for r in rows:
        for j, f in enumerate(r):
            if f is not None and not (isinstance(f, (int, float)) and math.isfinite(f)):
                raise ValueError(f"fraction must be a finite number, got {f!r}")
    marks = [[None if f is None else f * mm[j] for j, f in enumerate(r)] for r in rows]
    served_rows = [i for i, r in enumerate(marks) if any(m is not None for m in r)]
    totals = {i: math.fsum(m for m in marks[i] if m is not None) for i in served_rows}

    items = [_item_stats(j, marks, totals, mm[j], item_ids[j] if item_ids and j < len(item_ids) else None)
             for j in range(p)]
    _effective_weights(items, marks, totals)
    if choices is not None:
        for i, row in enumerate(choices):
            for j, chosen in enumerate(row):
                if j < p and i < len(rows) and rows[i][j] is not None:
                    _count_choice(items[j].distractors, chosen)
    test = _test_stats(marks, totals, items, mm)
    return Analysis(test=test, items=items)


def _item_stats(j: int, marks, totals, max_mark: float, item_id: str | None) -> ItemStats:
    x = [marks[i][j] for i in totals if marks[i][j] is not None]
    rest = [totals[i] - marks[i][j] for i in totals if marks[i][j] is not None]
    s = len(x)
    st = ItemStats(index=j, item_id=item_id, n=s, max_mark=max_mark, mean_mark=None,
                   facility=None, facility_percent=None, sd=None, sd_percent=None,
                   discrimination_index=None, discriminative_efficiency=None,
                   point_biserial=None, effective_weight=None)
    if s == 0:
        return st
    mx, mr = _mean(x), _mean(rest)
    st.mean_mark = mx
    if max_mark:
        st.facility = mx / max_mark
        st.facility_percent = 100 * st.facility
        if st.facility > EASY_ABOVE:
            st.flags.append(FLAG_TOO_EASY)
        elif st.facility < HARD_BELOW:
            st.flags.append(FLAG_TOO_HARD)
    if s < 2:
        return st
    dx = [v - mx for v in x]
    dr = [v - mr for v in rest]
    var_x = math.fsum(v * v for v in dx) / (s - 1)
    var_r = math.fsum(v * v for v in dr) / (s - 1)
    cov = math.fsum(a * b for a, b in zip(dx, dr)) / (s - 1)
    # Moodle pairs the i-th smallest mark with the i-th smallest rest score.
    cov_max = math.fsum((a - mx) * (b - mr) for a, b in zip(sorted(x), sorted(rest))) / (s - 1)
    st.sd = math.sqrt(var_x)
    st.sd_percent = 100 * st.sd / max_mark if max_mark else None
    if var_x * var_r > 0:
        st.point_biserial = cov / math.sqrt(var_x * var_r)
        st.discrimination_index = 100 * st.point_biserial
        if st.discrimination_index < 0:
            st.flags.append(FLAG_NEGATIVE_DISCRIMINATION)
    if cov_max > 1e-12:   # zero in exact arithmetic whenever var_x or var_r is
        st.discriminative_efficiency = 100 * cov / cov_max
    return st


def _effective_weights(items: list[ItemStats], marks, totals) -> None:
    if len(totals) < 2:
        return
    covs: list[float | None] = []
    for j in range(len(items)):
        pairs = [(marks[i][j], totals[i]) for i in totals if marks[i][j] is not None]
        if len(pairs) < 2:
            covs.append(None)
            continue
        mx = _mean([a for a, _ in pairs])
        mt = _mean([b for _, b in pairs])
        covs.append(math.fsum((a - mx) * (b - mt) for a, b in pairs) / (len(pairs) - 1))
    denom = math.fsum(math.sqrt(c) for c in covs if c is not None and c >= 0)
    if denom <= 0:
        return
    for st, c in zip(items, covs):
        if c is not None and c >= 0:
            st.effective_weight = 100 * math.sqrt(c) / denom


def _test_stats(marks, totals, items: list[ItemStats], mm: list[float]) -> TestStats:
    tot = [totals[i] for i in sorted(totals)]
    mean, sd, skew, kurt = moments(tot)
    p = len(items)
    complete = all(m is not None for i in totals for m in marks[i]) and p > 0
    dich = all(m is None or m == 0 or m == mm[j] for i in totals for j, m in enumerate(marks[i]))
    alpha = None
    # Alpha needs every attempt to see every item; with random selection from a
    # pool the item columns are not one test form and the formula means nothing.
    if complete and p > 1 and sd is not None and sd > 0:
        sum_var = math.fsum((st.sd or 0.0) ** 2 for st in items)
        alpha = p / (p - 1) * (1 - sum_var / sd ** 2)
    error_ratio = sem = None
    if alpha is not None and alpha <= 1:
        error_ratio = 100 * math.sqrt(1 - alpha)
        sem = error_ratio * sd / 100
    return TestStats(n=len(tot), items=p, mean=mean, median=median(tot), sd=sd,
                     skewness=skew, kurtosis=kurt, alpha=alpha,
                     cic=None if alpha is None else 100 * alpha,
                     error_ratio=error_ratio, sem=sem, dichotomous=dich,
                     complete=complete, max_total=math.fsum(mm))


def kr20(scores: Sequence[Sequence[float]]) -> float | None:
    """KR-20 from p and q of 0/1 items (a cross-check: equals alpha on 0/1 data)."""
    n = len(scores)
    if n < 2 or not scores[0]:
        return None
    k = len(scores[0])
    tot = [sum(r) for r in scores]
    mt = _mean(tot)
    var_t = math.fsum((t - mt) ** 2 for t in tot) / n
    if k < 2 or var_t == 0:
        return None
    pq = math.fsum((pj := _mean([r[j] for r in scores])) * (1 - pj) for j in range(k))
    return k / (k - 1) * (1 - pq / var_t)
