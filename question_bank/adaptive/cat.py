"""Choosing the next unit and knowing when to stop (computerized adaptive testing).

A unit is what selection.units_of makes: a standalone item, or a whole case study in order
(it counts as its number of items, and its information is the mean over its items so that
length alone does not make it "more informative").

next_unit, in order:
1. Never a unit already given in this session, nor one whose family was given (no two
   units of one family), nor one longer than the items left before the maximum length.
2. Items the student has not seen before, while there are any.
3. Topic shares: the blueprint's sections give target shares (count / total); the next unit
   comes from the section furthest behind its share (Kingsbury and Zara's content balancing).
4. Exposure cap (a Sympson-Hetter-like ceiling): once `min_sessions_for_cap` sessions have
   run, units shown in more than `max_exposure` of them are left out while others remain.
5. Maximum Fisher information at the current ability, randomesque: one of the
   `randomesque` most informative units at random, so the strongest items are not shown
   to every student of similar ability.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from ..selection import _unit_matches, unit_families, units_of
from .ability import Ability, information


@dataclass(frozen=True)
class CatSettings:
    min_items: int = 5
    max_items: int = 30
    se_target: float = 0.45       # stop once the ability's standard error is this small
    randomesque: int = 5          # choose among this many most informative units
    max_exposure: float = 0.35    # share of sessions a unit may appear in (once enough sessions ran)
    min_sessions_for_cap: int = 20

    def problems(self) -> list[str]:
        found = []
        if not 1 <= self.min_items <= self.max_items:
            found.append("the minimum length must be at least 1 and at most the maximum length")
        if not 0 < self.se_target < 2:
            found.append("the standard-error target must be between 0 and 2 logits")
        if self.randomesque < 1:
            found.append("randomesque must choose among at least 1 unit")
        if not 0 < self.max_exposure <= 1:
            found.append("the exposure cap must be a share between 0 and 1")
        return found


@dataclass(frozen=True)
class Unit:
    items: tuple              # question_bank Items, in order
    difficulties: tuple       # one per item, logits
    families: frozenset

    @property
    def ids(self) -> tuple:
        return tuple(i.id for i in self.items)

    @property
    def key(self) -> str:
        return self.items[0].id

    def __len__(self):
        return len(self.items)

    def information(self, theta: float) -> float:
        return sum(information(theta, b) for b in self.difficulties) / len(self.difficulties)


def build_units(items: Iterable, difficulty: Mapping[str, float], collections=None) -> list[Unit]:
    """Units of these bank items, each item with its difficulty (calibrated or the label's prior)."""
    return [Unit(tuple(u), tuple(float(difficulty[i.id]) for i in u), unit_families(u))
            for u in units_of(list(items), collections)]


def _section_of(unit: Unit, sections: Sequence) -> int | None:
    for n, (flt, _count) in enumerate(sections):
        if _unit_matches(flt, unit.items):
            return n
    return None


_INDEX: dict = {}


def _index(units: Sequence[Unit], sections: Sequence):
    """item id -> unit and unit key -> section, remembered for the last few (units, sections)."""
    key = (id(units), len(units), tuple(sections))
    hit = _INDEX.get(key)
    if hit is not None and hit[0] is units:
        return hit[1], hit[2]
    by_id = {i.id: u for u in units for i in u.items}
    section_of = {u.key: _section_of(u, sections) for u in units}
    if len(_INDEX) > 16:
        _INDEX.clear()
    _INDEX[key] = (units, by_id, section_of)
    return by_id, section_of


def next_unit(units: Sequence[Unit], sections: Sequence, ability: Ability, given: Sequence[str], rng,
              settings: CatSettings = CatSettings(), seen_before: frozenset = frozenset(),
              exposure: Mapping[str, int] | None = None, sessions: int = 0) -> Unit | None:
    """The next unit for a session that has given the item ids `given`; None when none is left.

    `sections` are the blueprint's (Filter, count) pairs; `exposure` maps item id to the
    number of sessions that showed it, out of `sessions`.
    """
    given_set = set(given)
    left = settings.max_items - len(given)
    by_id, section_of = _index(units, sections)
    used_families = set()
    for iid in given_set:
        if iid in by_id:
            used_families |= by_id[iid].families
    eligible = [u for u in units if section_of[u.key] is not None and not (set(u.ids) & given_set)
                and not (u.families & used_families) and len(u) <= left]
    if not eligible:
        return None
    unseen = [u for u in eligible if not (set(u.ids) & seen_before)]
    eligible = unseen or eligible
    # Content balancing: the section furthest behind its share of the session so far.
    total = sum(c for _, c in sections) or 1
    counts = [0] * len(sections)
    for iid in given:
        if iid in by_id and section_of[by_id[iid].key] is not None:
            counts[section_of[by_id[iid].key]] += 1
    open_sections = sorted({section_of[u.key] for u in eligible})
    n_after = len(given) + 1
    deficit = {s: sections[s][1] / total * n_after - counts[s] for s in open_sections}
    best = max(deficit.values())
    tied = [s for s in open_sections if math.isclose(deficit[s], best)]
    section = tied[0] if len(tied) == 1 else rng.choice(tied)
    pool = [u for u in eligible if section_of[u.key] == section]
    if exposure and sessions >= settings.min_sessions_for_cap:
        under = [u for u in pool if max(exposure.get(i, 0) for i in u.ids) / sessions < settings.max_exposure]
        pool = under or pool
    # Equal information (items still at their label's difficulty) is broken at random, never
    # by id: an id order would send every student to the same topic and items.
    ranked = sorted(pool, key=lambda u: (-round(u.information(ability.theta), 9), rng.random()))
    return rng.choice(ranked[:settings.randomesque])


def stop_reason(ability: Ability, items_given: int, settings: CatSettings = CatSettings()) -> str | None:
    """"precision" once the standard error reaches the target (after the minimum length),
    "length" at the maximum length, else None (go on)."""
    if items_given >= settings.min_items and ability.se <= settings.se_target:
        return "precision"
    if items_given >= settings.max_items:
        return "length"
    return None
