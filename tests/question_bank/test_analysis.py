"""Item analysis: hand-worked cases and numpy/scipy cross-checks."""
import math
import random

import numpy as np
import pytest
from scipy import stats as sps

from question_bank.analysis import (FLAG_NEGATIVE_DISCRIMINATION, FLAG_TOO_EASY, FLAG_TOO_HARD,
                                    analyse, kr20, median, moments)

# A "Guttman" 4 x 3 matrix: each attempt gets a prefix of the items right.
GUTTMAN = [[1, 1, 1],   # total 3
           [1, 1, 0],   # total 2
           [1, 0, 0],   # total 1
           [0, 0, 0]]   # total 0


def test_guttman_test_statistics():
    t = analyse(GUTTMAN).test
    # totals 3,2,1,0: mean 1.5, median (1+2)/2
    assert t.n == 4 and t.mean == 1.5 and t.median == 1.5
    # deviations 1.5, .5, -.5, -1.5 -> sum sq 5 -> SD sqrt(5/3)
    assert t.sd == pytest.approx(math.sqrt(5 / 3))
    # sum of cubes 0 -> skewness 0
    assert t.skewness == pytest.approx(0)
    # m2 = 5/4, m4 = 10.25/4 = 2.5625; k2 = 4 m2/3 = 5/3
    # k4 = 16 ((5)(2.5625) - 3(3)(1.5625)) / (3*2*1) = 16(-1.25)/6 = -10/3
    # kurtosis = k4 / k2^2 = (-10/3) / (25/9) = -1.2
    assert t.kurtosis == pytest.approx(-1.2)
    # item variances .25, 1/3, .25 (sum 5/6); alpha = 3/2 (1 - (5/6)/(5/3)) = .75
    assert t.alpha == pytest.approx(0.75) and t.cic == pytest.approx(75)
    # KR-20: pq = .1875+.25+.1875 = .625, population var 5/4 -> 3/2 (1 - .5) = .75
    assert kr20(GUTTMAN) == pytest.approx(0.75)
    # SEM = SD sqrt(1 - alpha) = sqrt(5/3) * .5
    assert t.sem == pytest.approx(math.sqrt(5 / 3) * 0.5)
    assert t.error_ratio == pytest.approx(50)
    assert t.dichotomous and t.complete


def test_guttman_item_statistics():
    a, b, c = analyse(GUTTMAN, item_ids=["a", "b", "c"]).items
    # item a: x = 1,1,1,0 (mean .75, var .75/3 = .25); rest = 2,1,0,0 (mean .75,
    # var 2.75/3); cov = (.3125+.0625-.1875+.5625)/3 = .25
    # DI = 100 * .25 / sqrt(.25 * 2.75/3) = 52.22
    assert a.item_id == "a" and a.facility == 0.75 and a.facility_percent == 75
    assert a.sd == pytest.approx(0.5)
    assert a.discrimination_index == pytest.approx(100 * 0.25 / math.sqrt(0.25 * 2.75 / 3))
    assert a.point_biserial == pytest.approx(a.discrimination_index / 100)
    # sorted x 0,1,1,1 against sorted rest 0,0,1,2 pairs the same way: cov_max = .25
    assert a.discriminative_efficiency == pytest.approx(100)
    # item b: x = 1,1,0,0 (var 1/3), rest = 2,1,1,0 (var 2/3), cov = 1/3
    # DI = 100 (1/3) / sqrt(2/9) = 100/sqrt(2)
    assert b.discrimination_index == pytest.approx(100 / math.sqrt(2))
    assert b.discriminative_efficiency == pytest.approx(100)
    assert c.facility == 0.25 and c.flags == []


def test_negative_discrimination_hand_worked():
    rows = [[0, 1, 1],   # total 2
            [1, 0, 0],   # total 1
            [0, 1, 0]]   # total 1
    first = analyse(rows).items[0]
    # x = 0,1,0 (mean 1/3, var 1/3); rest = 2,0,1 (mean 1, var 1)
    # dx = -1/3, 2/3, -1/3; dr = 1, -1, 0; cov = (-1/3 - 2/3) / 2 = -.5
    # DI = 100 (-.5) / sqrt(1/3) = -86.60
    assert first.discrimination_index == pytest.approx(-50 * math.sqrt(3))
    # sorted: x 0,0,1 with rest 0,1,2 -> (1/3 + 0 + 2/3)/2 = .5 -> DE = -100
    assert first.discriminative_efficiency == pytest.approx(-100)
    assert FLAG_NEGATIVE_DISCRIMINATION in first.flags


def test_discriminative_efficiency_below_100():
    rows = [[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 0], [1, 1, 1]]
    s = analyse(rows).items[0]
    # x = 1,0,1,0,1 (mean .6); rest = 1,2,1,0,2 (mean 1.2)
    # dx = .4,-.6,.4,-.6,.4; dr = -.2,.8,-.2,-1.2,.8; sum = -.08-.48-.08+.72+.32 = .4
    # sorted x 0,0,1,1,1 vs rest 0,1,1,2,2:
    # dx -.6,-.6,.4,.4,.4; dr -1.2,-.2,-.2,.8,.8; sum = .72+.12-.08+.32+.32 = 1.4
    # DE = 100 * (.4/4) / (1.4/4) = 28.57
    assert s.discriminative_efficiency == pytest.approx(100 * 0.4 / 1.4)


def test_flags_and_zero_variance():
    rows = [[1, 0, 1], [1, 0, 0], [1, 0, 1], [1, 0, 0]]
    easy, hard, mid = analyse(rows).items
    assert easy.flags == [FLAG_TOO_EASY] and hard.flags == [FLAG_TOO_HARD] and mid.flags == []
    # no variance: no correlation, no efficiency, but facility and SD 0
    assert easy.sd == 0 and easy.discrimination_index is None
    assert easy.discriminative_efficiency is None and easy.point_biserial is None


def test_degenerate_inputs_give_none():
    empty = analyse([])
    assert empty.test.n == 0 and empty.test.mean is None and empty.items == []
    one = analyse([[1, 0.5]])
    assert one.test.n == 1 and one.test.mean == 1.5 and one.test.sd is None
    assert one.items[1].facility == 0.5 and one.items[1].sd is None
    assert one.test.alpha is None and one.test.skewness is None
    flat = analyse([[1, 1], [1, 1], [1, 1]])
    assert flat.test.sd == 0 and flat.test.alpha is None and flat.test.skewness is None
    unserved = analyse([[None, 1], [None, 0]])
    assert unserved.items[0].n == 0 and unserved.items[0].facility is None
    assert moments([]) == (None, None, None, None) and median([]) is None
    with pytest.raises(ValueError):
        analyse([[float("nan")]])


def test_partial_credit_and_max_marks():
    rows = [[1, 0.5], [0.5, 0.25], [0, 1]]
    res = analyse(rows, max_marks=[2, 4])
    # marks: [2,2], [1,1], [0,4] -> totals 4, 2, 4
    assert res.test.mean == pytest.approx(10 / 3) and res.test.max_total == 6
    assert res.items[0].facility == pytest.approx(0.5)
    assert res.items[0].sd_percent == pytest.approx(100 * 1.0 / 2)
    assert not res.test.dichotomous


def test_distractor_counts_only_where_served():
    rows = [[1, 0, None], [0, 1, 1], [1, None, 0]]
    chosen = [["b", ["a", "c"], "x"], ["a", ["a"], {"b1": "p", "b2": "q"}], ["b", "z", {"b1": "p"}]]
    items = analyse(rows, choices=chosen).items
    assert items[0].distractors == {"b": 2, "a": 1}
    assert items[1].distractors == {"a": 2, "c": 1}
    assert items[2].distractors == {"b1=p": 2, "b2=q": 1}


def test_alpha_needs_complete_matrix():
    rows = [[1, 0, None], [0, 1, 1], [1, 1, 0], [0, 0, 1]]
    t = analyse(rows).test
    assert not t.complete and t.alpha is None and t.sd is not None


# --- cross-checks against numpy/scipy on random matrices ------------------

def _np_item(x, rest):
    cov = np.cov(x, rest, ddof=1)[0, 1]
    cov_max = np.cov(np.sort(x), np.sort(rest), ddof=1)[0, 1]
    return cov, cov_max


@pytest.mark.parametrize("seed", range(8))
def test_cross_check_complete_matrix(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(5, 80)), int(rng.integers(2, 15))
    ability = rng.normal(size=(n, 1))
    difficulty = rng.normal(size=(1, k))
    if seed % 2:
        m = (rng.random((n, k)) < 1 / (1 + np.exp(difficulty - ability))).astype(float)
    else:
        m = np.round(rng.random((n, k)) * 4) / 4      # partial credit
    res = analyse(m.tolist())
    totals = m.sum(axis=1)
    t = res.test
    assert t.mean == pytest.approx(totals.mean())
    assert t.median == pytest.approx(np.median(totals))
    assert t.sd == pytest.approx(totals.std(ddof=1))
    if totals.std() > 0:
        assert t.skewness == pytest.approx(sps.skew(totals, bias=False), abs=1e-9)
        assert t.kurtosis == pytest.approx(sps.kurtosis(totals, bias=False), abs=1e-9)
        alpha = k / (k - 1) * (1 - m.var(axis=0, ddof=1).sum() / totals.var(ddof=1))
        assert t.alpha == pytest.approx(alpha)
        assert t.sem == pytest.approx(totals.std(ddof=1) * math.sqrt(1 - alpha))
        if t.dichotomous:
            assert kr20(m.tolist()) == pytest.approx(alpha)
    for j, s in enumerate(res.items):
        x, rest = m[:, j], totals - m[:, j]
        assert s.facility == pytest.approx(x.mean())
        assert s.sd == pytest.approx(x.std(ddof=1))
        if x.std() > 0 and rest.std() > 0:
            assert s.point_biserial == pytest.approx(sps.pearsonr(x, rest)[0], abs=1e-9)
            cov, cov_max = _np_item(x, rest)
            assert s.discriminative_efficiency == pytest.approx(100 * cov / cov_max)
            assert s.discriminative_efficiency <= 100 + 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_cross_check_with_unserved_items(seed):
    rnd = random.Random(seed)
    n, k = 40, 8
    rows = [[(rnd.random() < 0.6) * 1.0 if rnd.random() < 0.7 else None for _ in range(k)]
            for _ in range(n)]
    res = analyse(rows)
    m = np.array([[np.nan if v is None else v for v in r] for r in rows])
    totals = np.nansum(m, axis=1)
    for j, s in enumerate(res.items):
        served = ~np.isnan(m[:, j])
        x, rest = m[served, j], totals[served] - m[served, j]
        assert s.n == served.sum()
        assert s.facility == pytest.approx(x.mean())
        if x.std() > 0 and rest.std() > 0:
            assert s.discrimination_index == pytest.approx(100 * np.corrcoef(x, rest)[0, 1])
            cov, cov_max = _np_item(x, rest)
            assert s.discriminative_efficiency == pytest.approx(100 * cov / cov_max)
