import random
from collections import Counter

import pytest

from question_bank.bank import Item
from question_bank.selection import (Blueprint, Filter, SelectionError, capacity, draw, seed_for, units_of,
                                    validate_blueprint)


def item(iid, topic="empathy", type="multiple_choice", difficulty="medium", case=None, pos=None, collection="bundled"):
    return Item(iid, 1, type, topic, "psychosocial-integrity", "analyze-cues", "application", difficulty,
                f"stem {iid}", {}, case, pos, "t.yaml", 0, collection)


POOL = [item(f"e{i}") for i in range(6)] + [item(f"v{i}", topic="validation") for i in range(4)] + [
    item("cs-3", topic="alliance-ruptures", case="cs", pos=3),
    item("cs-1", topic="alliance-ruptures", case="cs", pos=1),
    item("cs-2", topic="alliance-ruptures", case="cs", pos=2),
]


def bp(*sections, collections=None):
    return Blueprint("t", list(sections), collections)


def test_draw_counts_and_no_repeats():
    ids = draw(bp((Filter(topic="empathy"), 3), (Filter(), 5)), POOL, random.Random(1))
    assert len(ids) == 8 == len(set(ids))
    assert all(i.startswith("e") for i in ids[:3])


def test_reproducible_with_same_seed_and_varies_with_seed():
    b = bp((Filter(), 5))
    seed = seed_for("attempt-17", "secret")
    assert draw(b, POOL, random.Random(seed)) == draw(b, POOL, random.Random(seed))
    draws = {tuple(draw(b, POOL, random.Random(seed_for(a, "secret")))) for a in range(20)}
    assert len(draws) > 1


def test_seed_for_depends_on_attempt_and_secret():
    assert seed_for(1, "s") == seed_for("1", b"s")
    assert seed_for(1, "s") != seed_for(2, "s") and seed_for(1, "s") != seed_for(1, "t")
    assert 0 <= seed_for(1, "s") < 2**64


def test_unseen_items_first():
    seen = {"e0", "e1", "e2", "e3"}
    for s in range(30):
        ids = draw(bp((Filter(topic="empathy"), 2)), POOL, random.Random(s), seen_ids=seen)
        assert set(ids) == {"e4", "e5"}


def test_least_exposed_first_then_balanced():
    exposure = {"e0": 5, "e1": 5, "e2": 0, "e3": 1, "e4": 5, "e5": 5}
    for s in range(30):
        assert set(draw(bp((Filter(topic="empathy"), 2)), POOL, random.Random(s), exposure=exposure)) == {"e2", "e3"}
    # Serving repeatedly while recording exposure spreads use evenly.
    served, rng = Counter(), random.Random(3)
    for _ in range(30):
        served.update(draw(bp((Filter(topic="empathy"), 2)), POOL, rng, exposure=served))
    assert max(served.values()) - min(served.values()) <= 1


def test_unseen_beats_exposure():
    exposure = {"e0": 0, "e1": 9}
    ids = draw(bp((Filter(topic="empathy"), 1)), POOL[:2], random.Random(0), seen_ids={"e0"}, exposure=exposure)
    assert ids == ["e1"]


def test_case_study_is_drawn_whole_and_in_order():
    for s in range(20):
        ids = draw(bp((Filter(topic=["alliance-ruptures", "validation"]), 4)), POOL, random.Random(s))
        if "cs-1" in ids:
            i = ids.index("cs-1")
            assert ids[i:i + 3] == ["cs-1", "cs-2", "cs-3"]
            assert len([x for x in ids if x.startswith("v")]) == 1
    # A section of 2 cannot take a 3-item case: only singles are used.
    ids = draw(bp((Filter(topic=["alliance-ruptures", "validation"]), 2)), POOL, random.Random(0))
    assert not any(i.startswith("cs") for i in ids)
    with pytest.raises(SelectionError):
        draw(bp((Filter(topic="alliance-ruptures"), 2)), POOL, random.Random(0))


def test_unsatisfiable_draw_raises_clear_error():
    with pytest.raises(SelectionError, match="section 1 .*topic=validation.* needs 5 items but only 4"):
        draw(bp((Filter(topic="validation"), 5)), POOL, random.Random(0))


def test_collections_restrict_the_pool():
    pool = POOL + [item("imp-1", collection="course-7")]
    ids = draw(bp((Filter(), 1), collections=["course-7"]), pool, random.Random(0))
    assert ids == ["imp-1"]
    assert draw(bp((Filter(collection="course-7"), 1)), pool, random.Random(0)) == ["imp-1"]


def test_validate_blueprint_ok_and_errors():
    assert validate_blueprint(bp((Filter(topic="empathy"), 6), (Filter(topic="validation"), 4)), POOL) == []
    errors = validate_blueprint(bp((Filter(topic="validation"), 5)), POOL)
    assert errors == ["section 1 (topic=validation) asks for 5 items but only 4 match"]
    # An earlier, overlapping section may claim the items a later one needs.
    errors = validate_blueprint(bp((Filter(), 8), (Filter(topic="validation"), 2)), POOL)
    assert errors and "section 2" in errors[0] and "earlier sections" in errors[0]
    assert "unknown topic astrology" in validate_blueprint(bp((Filter(topic="astrology"), 1)), POOL)[0]
    assert "positive whole number" in validate_blueprint(bp((Filter(), 0)), POOL)[0]
    assert "cannot make up exactly" in validate_blueprint(bp((Filter(topic="alliance-ruptures"), 2)), POOL)[0]


def test_blueprint_round_trips_through_dict():
    b = bp((Filter(topic=["empathy", "validation"], difficulty="hard"), 3), collections=["bundled"])
    assert Blueprint.from_dict(b.to_dict()) == b
    assert b.total == 3


# --- draw() caches the grouping into units and the filter matches (selection._POOLS) -------------

def reference_draw(blueprint, items, rng, seen_ids=frozenset(), exposure=None):
    """The original uncached draw(): full sort of every candidate, one rng.random() per candidate."""
    exposure, seen = exposure or {}, frozenset(seen_ids)
    units = units_of(items, blueprint.collections)
    claimed, out = set(), []
    for n, (flt, count) in enumerate(blueprint.sections, 1):
        cands = [u for u in units if u[0].id not in claimed and all(flt.matches(i) for i in u)]
        ranked = sorted(cands, key=lambda u: (any(i.id in seen for i in u),
                                              sum(exposure.get(i.id, 0) for i in u) / len(u), rng.random()))
        chosen, left = [], count
        for u in ranked:
            if len(u) <= left:
                chosen.append(u)
                left -= len(u)
            if not left:
                break
        if left:
            raise SelectionError("short")
        rng.shuffle(chosen)
        for u in chosen:
            claimed.add(u[0].id)
            out.extend(i.id for i in u)
    return out


BIG_POOL = [item(f"s{k:03d}", topic=["empathy", "validation", "alliance-ruptures"][k % 3],
                 difficulty=["easy", "medium", "hard"][k % 5 % 3], collection=["bundled", "course-7"][k % 4 // 3])
            for k in range(120)] + [
    item(f"c{c}-{p}", topic="alliance-ruptures", difficulty="hard", case=f"c{c}", pos=p,
         collection=["bundled", "course-7"][c % 2])
    for c in range(6) for p in (3, 1, 2)]


def test_draw_matches_the_uncached_full_sort_exactly():
    blueprints = [
        bp((Filter(topic=["validation", "empathy"]), 5), (Filter(difficulty="hard"), 7), (Filter(), 10)),
        bp((Filter(topic="alliance-ruptures"), 8), (Filter(), 4), collections=["course-7"]),
        bp((Filter(difficulty=["hard", "easy"]), 6), (Filter(collection="course-7"), 3)),
    ]
    rng = random.Random(5)
    for b in blueprints:
        exposure, seen = {}, set()
        for a in range(40):
            seed = seed_for(a, "k")
            r1, r2 = random.Random(seed), random.Random(seed)
            got = draw(b, BIG_POOL, r1, seen_ids=seen, exposure=exposure)
            assert got == reference_draw(b, BIG_POOL, r2, seen_ids=seen, exposure=exposure)
            assert r1.random() == r2.random()  # the RNG is consumed identically
            for i in got:
                exposure[i] = exposure.get(i, 0) + rng.choice([1, 1, 2])
            seen = set(rng.sample(sorted(exposure), min(len(exposure), 15)))


def test_cache_is_reused_for_the_same_items_and_per_collections():
    from question_bank import selection
    items = list(BIG_POOL)
    p = selection._POOLS.pool(items, None)
    assert selection._POOLS.pool(items, None) is p
    assert selection._POOLS.pool(tuple(items), None) is p  # same objects in a new sequence
    assert selection._POOLS.pool(items, ["course-7"]) is not p
    assert all(u[0].collection == "course-7" for u in selection._POOLS.pool(items, ["course-7"]).units)


def test_cache_is_not_stale_when_the_item_list_changes_in_place():
    items = [item(f"e{i}") for i in range(3)]
    b = bp((Filter(topic="empathy"), 3))
    assert sorted(draw(b, items, random.Random(0))) == ["e0", "e1", "e2"]
    items.append(item("e9"))  # appended: can now be drawn
    b4 = bp((Filter(topic="empathy"), 4))
    assert sorted(draw(b4, items, random.Random(0))) == ["e0", "e1", "e2", "e9"]
    items[0] = item("e0", topic="validation")  # replaced by an equal-id item with another topic
    assert sorted(draw(b, items, random.Random(0))) == ["e1", "e2", "e9"]
    with pytest.raises(SelectionError):
        draw(b4, items, random.Random(0))
    items[2] = item("e2", difficulty="hard")  # same length and first item, a middle item replaced
    assert draw(bp((Filter(difficulty="hard"), 1)), items, random.Random(0)) == ["e2"]
    items[2] = item("e2")
    with pytest.raises(SelectionError):
        draw(bp((Filter(difficulty="hard"), 1)), items, random.Random(0))
    del items[1]  # removed: never drawn
    assert sorted(draw(bp((Filter(), 3)), items, random.Random(0))) == ["e0", "e2", "e9"]
    items.append(item("cs-1", case="cs", pos=1))  # a case study grows
    items.append(item("cs-2", case="cs", pos=2))
    ids = draw(bp((Filter(), 5)), items, random.Random(0))
    assert ids[ids.index("cs-1"):ids.index("cs-1") + 2] == ["cs-1", "cs-2"]
    items.append(item("cs-3", case="cs", pos=3))
    ids = draw(bp((Filter(), 6)), items, random.Random(0))
    assert ids[ids.index("cs-1"):ids.index("cs-1") + 3] == ["cs-1", "cs-2", "cs-3"]


def test_cache_sees_new_item_objects_with_changed_fields():
    a = [item(f"e{i}") for i in range(3)]
    assert len(draw(bp((Filter(difficulty="hard"), 1)), a + [item("h", difficulty="hard")], random.Random(0))) == 1
    b = [item(f"e{i}") for i in range(3)] + [item("h", difficulty="easy")]  # equal ids, new objects
    with pytest.raises(SelectionError):
        draw(bp((Filter(difficulty="hard"), 1)), b, random.Random(0))


def test_cache_is_bounded():
    from question_bank import selection
    for k in range(3 * selection._POOLS.size):
        draw(bp((Filter(), 1)), [item(f"x{k}")], random.Random(k))
    assert sum(len(v) for v in selection._POOLS._entries.values()) <= selection._POOLS.size


def test_draw_accepts_any_iterable_of_items():
    b = bp((Filter(topic="empathy"), 3))
    assert draw(b, iter(POOL), random.Random(2)) == draw(b, list(POOL), random.Random(2))
    assert draw(b, (i for i in POOL), random.Random(2)) == draw(b, POOL, random.Random(2))


# --- families: near-duplicates never share an attempt ------------------------------------------

def fam_item(iid, family=None, topic="empathy", case=None, pos=None):
    d = {"family": family} if family else {}
    return Item(iid, 1, "multiple_choice", topic, "psychosocial-integrity", "analyze-cues", "application",
                "medium", f"stem {iid}", d, case, pos, "t.yaml", 0, "bundled")


FAMILY_POOL = ([fam_item(f"w{i}", "angry-wait") for i in range(4)]
               + [fam_item(f"p{i}", "poison-delusion") for i in range(3)]
               + [fam_item(f"s{i}") for i in range(5)]
               + [fam_item(f"cs-{p}", "angry-wait", topic="alliance-ruptures", case="cs", pos=p) for p in (1, 2)])


def test_capacity_counts_one_unit_per_family():
    assert capacity(units_of(FAMILY_POOL)) == 5 + 1 + 2  # singles, one poison item, the 2-item case beats a w
    assert capacity(units_of([fam_item("a", "x"), fam_item("b", "x")])) == 1


def test_draw_never_takes_two_of_one_family():
    b = bp((Filter(), 7))
    for seed in range(200):
        ids = draw(b, FAMILY_POOL, random.Random(seed))
        fams = [i.split("-")[0][0] for i in ids if i[0] in "wp"] + (["w"] if "cs-1" in ids else [])
        assert len(ids) == 7 and len(fams) == len(set(fams)), ids


def test_draw_fails_clearly_when_families_leave_too_few():
    with pytest.raises(SelectionError, match="different families"):
        draw(bp((Filter(), 9)), FAMILY_POOL, random.Random(1))
    assert any("once families are kept apart" in e for e in validate_blueprint(bp((Filter(), 9)), FAMILY_POOL))


def test_families_hold_across_sections():
    b = bp((Filter(topic="alliance-ruptures"), 2), (Filter(topic="empathy"), 5))
    for seed in range(50):
        ids = draw(b, FAMILY_POOL, random.Random(seed))
        assert ids[:2] == ["cs-1", "cs-2"] and not any(i.startswith("w") for i in ids)


def test_shipped_blueprints_never_draw_two_of_one_family():
    from question_bank.bank import load_bank
    from question_bank.blueprints import load_named
    items = list(load_bank().items.values())
    family = {i.id: i.family for i in items}
    for nb in load_named().values():
        exposure = {}
        for a in range(60):
            ids = draw(nb.blueprint, items, random.Random(seed_for(a, "fam")), exposure=exposure)
            units = {}
            for i in ids:
                exposure[i] = exposure.get(i, 0) + 1
                case = next(it.case_study for it in items if it.id == i)
                units.setdefault(case or i, set()).add(family[i])
            seen = [f for fams in units.values() for f in fams - {None}]
            assert len(seen) == len(set(seen)), (nb.key, a, sorted(seen))


def test_drawable_ids_are_what_a_draw_can_return():
    from question_bank.bank import load_bank
    from question_bank.selection import drawable_ids
    bank = load_bank()
    items = list(bank.items.values())
    bp = Blueprint("t", [(Filter(topic="empathy", type="multiple_choice"), 2), (Filter(difficulty="hard"), 1)])
    ids = drawable_ids(bp, items)
    want = {i.id for i in items if not i.case_study and ((i.topic == "empathy" and i.type == "multiple_choice")
                                                         or i.difficulty == "hard")}
    assert want <= ids
    # A case study counts only when every one of its items matches some one section.
    for i in items:
        if i.case_study and i.id in ids:
            case = [j for j in items if j.case_study == i.case_study and j.collection == i.collection]
            assert any(all(f.matches(j) for j in case) for f, _ in bp.sections), i.id
    rng = random.Random(3)
    for _ in range(20):
        assert set(draw(bp, items, rng)) <= ids
