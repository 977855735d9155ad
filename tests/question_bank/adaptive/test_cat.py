"""Next-unit choice respects topics, families, case studies and exposure; stopping rules."""
import random
from collections import Counter

import numpy as np

from question_bank.adaptive import Ability, CatSettings, build_units, estimate, next_unit, stop_reason
from question_bank.bank import Item
from question_bank.selection import Filter


def item(iid, topic="empathy", difficulty="medium", case=None, pos=None, family=None):
    definition = {"family": family} if family else {}
    return Item(iid, 1, "multiple_choice", topic, "psychosocial-integrity", "analyze-cues", "application",
                difficulty, f"stem {iid}", definition, case, pos, "t.yaml", 0, "bundled")


def bank(n_per_topic=20):
    items, b = [], {}
    for t in ("empathy", "validation", "active-listening"):
        for k in range(n_per_topic):
            it = item(f"{t[:3]}{k}", topic=t)
            items.append(it)
            b[it.id] = -2 + 4 * k / (n_per_topic - 1)  # evenly from -2 to +2
    return items, b


def run_session(units, sections, rng, settings, answer=lambda unit: True, **kw):
    given, answers = [], []
    while True:
        ab = estimate(answers)
        if stop_reason(ab, len(given), settings):
            return given, ab
        u = next_unit(units, sections, ab, given, rng, settings, **kw)
        if u is None:
            return given, ab
        given.extend(u.ids)
        answers.extend((b, answer(u)) for b in u.difficulties)


def test_most_informative_item_at_the_ability_when_randomesque_is_one():
    items, b = bank()
    units = build_units(items, b)
    pick = next_unit(units, [(Filter(topic="empathy"), 1)], Ability(1.0, 0.5, 3), [], random.Random(1),
                     CatSettings(randomesque=1))
    assert abs(b[pick.key] - 1.0) == min(abs(b[u.key] - 1.0) for u in units if u.items[0].topic == "empathy")


def test_randomesque_varies_among_the_best_few_only():
    items, b = bank()
    units = build_units(items, b)
    sections = [(Filter(), 1)]
    picks = {next_unit(units, sections, Ability(0.0, 0.5, 3), [], random.Random(s), CatSettings(randomesque=4)).key
             for s in range(200)}
    fourth = sorted(abs(b[u.key]) for u in units)[3]
    assert len(picks) > 1 and all(abs(b[k]) <= fourth for k in picks)


def test_topic_shares_follow_the_blueprint_and_nothing_outside_it():
    items, b = bank()
    units = build_units(items, b)
    sections = [(Filter(topic="empathy"), 2), (Filter(topic="validation"), 1)]
    given, _ = run_session(units, sections, random.Random(3), CatSettings(min_items=9, max_items=9, se_target=0.01))
    topics = Counter(next(i.topic for i in items if i.id == g) for g in given)
    assert topics == {"empathy": 6, "validation": 3}


def test_no_two_units_of_one_family():
    items, b = bank()
    items = [item(f"fam{k}", family="same-scenario") for k in range(10)] + items
    b.update({f"fam{k}": 0.0 for k in range(10)})  # the most informative at ability 0
    units = build_units(items, b)
    for seed in range(20):
        given, _ = run_session(units, [(Filter(topic="empathy"), 1)], random.Random(seed),
                               CatSettings(min_items=12, max_items=12, se_target=0.01),
                               answer=lambda u: random.Random(u.key).random() < 0.5)
        assert sum(g.startswith("fam") for g in given) == 1


def test_a_case_study_is_one_unit_in_order_and_counts_its_items():
    items, b = bank()
    case = [item(f"cs-{p}", case="cs", pos=p) for p in (3, 1, 2)]
    items += case
    b.update({"cs-1": 0.0, "cs-2": 0.1, "cs-3": -0.1})
    units = build_units(items, b)
    cs = next(u for u in units if len(u) == 3)
    assert cs.ids == ("cs-1", "cs-2", "cs-3")
    seen = Counter()
    for seed in range(40):
        given, _ = run_session(units, [(Filter(topic="empathy"), 1)], random.Random(seed),
                               CatSettings(min_items=8, max_items=8, se_target=0.01))
        assert len(given) <= 8
        if "cs-1" in given:
            i = given.index("cs-1")
            assert given[i:i + 3] == ["cs-1", "cs-2", "cs-3"]
            seen["case"] += 1
    assert seen["case"] > 0
    # Not when it no longer fits before the maximum length.
    assert next_unit([cs], [(Filter(), 1)], Ability(0, 1, 0), ["x"] * 6, random.Random(1),
                     CatSettings(max_items=8)) is None


def test_unseen_items_first():
    items, b = bank()
    units = build_units(items, b)
    seen = frozenset(i.id for i in items if i.id != "emp0")
    pick = next_unit(units, [(Filter(), 1)], Ability(2.0, 0.5, 3), [], random.Random(1), seen_before=seen)
    assert pick.key == "emp0"  # the only unseen one, though far from the ability


def test_exposure_cap_leaves_out_overexposed_units_while_others_remain():
    items, b = bank()
    units = build_units(items, b)
    settings = CatSettings(randomesque=1, max_exposure=0.3, min_sessions_for_cap=20)
    best = next_unit(units, [(Filter(),1)], Ability(0.0, 0.5, 3), [], random.Random(1), settings)
    exposure = {best.key: 40}
    capped = next_unit(units, [(Filter(), 1)], Ability(0.0, 0.5, 3), [], random.Random(1), settings,
                       exposure=exposure, sessions=100)
    assert capped.key != best.key
    # Too few sessions yet to judge exposure: no cap.
    early = next_unit(units, [(Filter(), 1)], Ability(0.0, 0.5, 3), [], random.Random(1), settings,
                      exposure={best.key: 10}, sessions=10)
    assert early.key == best.key


def test_simulated_sessions_keep_every_item_under_the_exposure_cap():
    items, b = bank(40)
    units = build_units(items, b)
    settings = CatSettings(min_items=5, max_items=15, se_target=0.5, randomesque=3, max_exposure=0.3)
    exposure, rng, truth = Counter(), random.Random(5), np.random.default_rng(5)
    sessions = 300
    for s in range(sessions):
        theta = truth.normal()
        given, _ = run_session(units, [(Filter(), 1)], rng, settings,
                               answer=lambda u, th=theta: rng.random() < 1 / (1 + np.exp(u.difficulties[0] - th)),
                               exposure=exposure, sessions=s)
        exposure.update(given)
    assert max(exposure.values()) / sessions <= 0.3 + 0.05  # the cap, give or take the sessions before it bites


def test_stopping_rules():
    s = CatSettings(min_items=5, max_items=10, se_target=0.5)
    assert stop_reason(Ability(0, 0.4, 4), 4, s) is None          # precise, but under the minimum
    assert stop_reason(Ability(0, 0.4, 5), 5, s) == "precision"
    assert stop_reason(Ability(0, 0.6, 9), 9, s) is None
    assert stop_reason(Ability(0, 0.6, 10), 10, s) == "length"
    assert CatSettings(min_items=11, max_items=10).problems()
    assert CatSettings().problems() == []


def test_an_adaptive_session_finds_a_strong_student():
    items, b = bank(40)
    units = build_units(items, b)
    rng = random.Random(9)
    given, ab = run_session(units, [(Filter(), 1)], rng, CatSettings(max_items=40, se_target=0.45),
                            answer=lambda u: rng.random() < 1 / (1 + np.exp(u.difficulties[0] - 1.5)))
    assert abs(ab.theta - 1.5) < 3 * ab.se
    assert ab.se <= 0.45 and len(given) < 40


def test_ties_are_broken_at_random_not_by_id():
    """A bank still at its labels' difficulties: every unit is equally informative."""
    items = [item(f"{t[:3]}{k}", topic=t) for t in ("alliance-foundations", "validation", "empathy") for k in range(10)]
    units = build_units(items, {i.id: 0.0 for i in items})
    picks = Counter(next_unit(units, [(Filter(), 1)], Ability(0.0, 1.0, 0), [], random.Random(s)).items[0].topic
                    for s in range(300))
    assert set(picks) == {"alliance-foundations", "validation", "empathy"}
    assert min(picks.values()) > 60
