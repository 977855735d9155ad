"""Calibration recovers known difficulties from simulated responses; the label is the prior."""
import numpy as np
import pytest

from question_bank.adaptive import LABEL_PRIOR, PRIOR_SD, GradedResponse, calibrate, difficulty_of, is_correct

# Stated tolerance: with 1,200 simulated students each answering 20 of 40 items at random,
# the calibrated difficulties are within 0.25 logits of the truth on average (mean absolute
# error) and correlate at 0.95 or better.
TOLERANCE_MAE, MIN_CORRELATION = 0.25, 0.95


def simulate(true_b, n_students=1200, per_student=20, seed=7, partial=None):
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, n_students)
    out = []
    for s, th in enumerate(theta):
        for i in rng.choice(len(true_b), per_student, replace=False):
            right = rng.random() < 1 / (1 + np.exp(true_b[i] - th))
            if partial and i in partial:  # a 3-point item: right = 2 or 3 points, wrong = 0 or 1
                points = float(rng.integers(2, 4) if right else rng.integers(0, 2))
                out.append(GradedResponse(f"i{i}", s, points, 3.0))
            else:
                out.append(GradedResponse(f"i{i}", s, float(right), 1.0))
    return out


def label_for(b):
    return "easy" if b < -0.5 else "hard" if b > 0.5 else "medium"


def test_recovers_known_difficulties_within_tolerance():
    rng = np.random.default_rng(3)
    true_b = rng.normal(0, 1, 40)
    labels = {f"i{i}": label_for(b) for i, b in enumerate(true_b)}
    cal = calibrate(simulate(true_b, partial={3, 17}), labels)
    got = np.array([cal.items[f"i{i}"].difficulty for i in range(40)])
    assert np.mean(np.abs(got - true_b)) < TOLERANCE_MAE
    assert np.corrcoef(got, true_b)[0, 1] > MIN_CORRELATION
    assert cal.persons == 1200
    assert all(cal.items[f"i{i}"].n > 400 for i in range(40))
    assert all(cal.items[f"i{i}"].se < 0.25 for i in range(40))


def test_a_new_item_starts_at_its_label_and_moves_with_data():
    rng = np.random.default_rng(5)
    true_b = rng.normal(0, 1, 20)
    true_b[0] = 2.0  # labelled easy, but hard in truth
    labels = {f"i{i}": label_for(b) for i, b in enumerate(true_b)}
    labels["i0"] = "easy"
    labels["new"] = "hard"
    few = calibrate(simulate(true_b, n_students=30, per_student=5, seed=1), labels)
    many = calibrate(simulate(true_b, n_students=1500, per_student=10, seed=2), labels)
    assert few.items["new"].difficulty == LABEL_PRIOR["hard"] and few.items["new"].se == PRIOR_SD
    assert few.items["new"].n == 0
    # Few answers: still near the prior; many: near the truth, with a smaller standard error.
    assert abs(few.items["i0"].difficulty - LABEL_PRIOR["easy"]) < abs(many.items["i0"].difficulty - LABEL_PRIOR["easy"])
    assert abs(many.items["i0"].difficulty - 2.0) < 0.4
    assert many.items["i0"].se < few.items["i0"].se
    assert any("labelled easy but students find it harder" in p for p in many.items["i0"].problems)


def test_a_noisy_item_is_reported_as_poor_fit():
    rng = np.random.default_rng(11)
    true_b = rng.normal(0, 0.8, 20)
    labels = {f"i{i}": label_for(b) for i, b in enumerate(true_b)}
    responses = simulate(true_b, n_students=800, per_student=12, seed=4)
    coin = np.random.default_rng(9)
    # i5 answered at random (a miskeyed item, say): right or wrong whatever the ability.
    responses = [r if r.item_id != "i5" else GradedResponse("i5", r.person, float(coin.random() < 0.5), 1.0)
                 for r in responses]
    cal = calibrate(responses, labels)
    assert cal.items["i5"].poor_fit
    assert any("barely track ability" in p for p in cal.items["i5"].problems)
    fitting = [i for i in labels if i != "i5" and not cal.items[i].poor_fit]
    assert len(fitting) >= 17


def test_too_little_data_keeps_every_prior():
    cal = calibrate([GradedResponse("a", 1, 1.0, 1.0)], {"a": "easy", "b": "hard"})
    assert cal.items["a"].difficulty == -1.0 and cal.items["b"].difficulty == 1.0
    assert difficulty_of("zzz", "hard", cal.items) == 1.0
    assert difficulty_of("a", None, cal.items) == -1.0


def test_partial_credit_counts_as_right_from_half_the_points():
    assert is_correct(2, 3) and is_correct(1, 2) and not is_correct(1, 3) and not is_correct(0, 0)


@pytest.mark.parametrize("label", ["easy", "medium", "hard"])
def test_items_answered_all_right_or_all_wrong_keep_a_finite_difficulty(label):
    responses = [GradedResponse("x", p, 1.0, 1.0) for p in range(40)]
    responses += [GradedResponse("y", p, float(p % 2), 1.0) for p in range(40)]
    cal = calibrate(responses, {"x": label, "y": "medium"})
    assert cal.items["x"].difficulty == LABEL_PRIOR[label]  # no location from the data
    assert np.isfinite(cal.items["y"].difficulty)
