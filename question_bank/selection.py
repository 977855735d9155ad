"""Blueprint sampling: seeded, unseen-first, exposure-balanced; case studies drawn whole."""
from __future__ import annotations

import hashlib
import heapq
import hmac
import operator
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields

from . import vocabulary as V
from .types import REGISTRY

FILTER_VOCAB = {
    "topic": V.TOPICS, "type": tuple(REGISTRY), "cjmm_skill": V.CJMM_SKILLS,
    "difficulty": V.DIFFICULTIES, "bloom": V.BLOOM_LEVELS, "collection": None,
}


class SelectionError(ValueError):
    pass


def _as_set(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(value) or None
    return frozenset([value])


@dataclass(frozen=True)
class Filter:
    """Each field is None (any), a value, or a list of values (any of them)."""

    topic: object = None
    type: object = None
    cjmm_skill: object = None
    difficulty: object = None
    bloom: object = None
    collection: object = None

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            object.__setattr__(self, f.name, None if v is None else (v if isinstance(v, str) else tuple(v)))

    def matches(self, item) -> bool:
        for f in fields(self):
            allowed = _as_set(getattr(self, f.name))
            if allowed and getattr(item, f.name, None) not in allowed:
                return False
        return True

    def to_dict(self):
        return {f.name: (list(v) if isinstance(v, tuple) else v)
                for f in fields(self) if (v := getattr(self, f.name)) is not None}

    def describe(self):
        parts = [f"{k}={'|'.join(v) if isinstance(v, list) else v}" for k, v in self.to_dict().items()]
        return ", ".join(parts) or "any item"


@dataclass(frozen=True)
class Blueprint:
    name: str
    sections: tuple  # ((Filter, count), ...)
    collections: object = None  # None = every collection; else a list of collection names

    def __post_init__(self):
        object.__setattr__(self, "sections", tuple((f, c) for f, c in self.sections))
        if self.collections is not None:
            object.__setattr__(self, "collections", tuple(self.collections))

    @property
    def total(self):
        return sum(c for _, c in self.sections)

    def to_dict(self):
        return {"name": self.name, "collections": list(self.collections) if self.collections else None,
                "sections": [{"filter": f.to_dict(), "count": c} for f, c in self.sections]}

    @classmethod
    def from_dict(cls, d):
        return cls(d["name"], [(Filter(**s.get("filter", {})), s["count"]) for s in d["sections"]],
                   d.get("collections"))


def seed_for(attempt_id, secret) -> int:
    """A 64-bit RNG seed from the attempt id and a server secret (HMAC-SHA256)."""
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    digest = hmac.new(key, str(attempt_id).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def units_of(items, collections=None):
    """Group items into draw units: a standalone item, or a whole case study in order."""
    allowed = _as_set(collections)
    singles, cases = [], {}
    for item in items:
        if allowed and item.collection not in allowed:
            continue
        if item.case_study:
            cases.setdefault((item.collection, item.case_study), []).append(item)
        else:
            singles.append((item,))
    units = singles + [tuple(sorted(c, key=lambda i: i.case_position or 0)) for c in cases.values()]
    return sorted(units, key=lambda u: u[0].id)


def unit_families(unit) -> frozenset:
    """The enemy groups of a draw unit: an attempt holds at most one unit of each family."""
    return frozenset(f for i in unit if (f := getattr(i, "family", None)))


def capacity(units) -> int:
    """How many items these units yield at least when no two of one family may be drawn.

    Units linked by a shared family (directly or through a chain) form one group, of which
    only the largest unit is counted: the worst case, since two units of a chain that share
    no family could both be drawn.
    """
    total, groups, owner = 0, {}, {}
    for u in units:
        fams = unit_families(u)
        if not fams:
            total += len(u)
            continue
        # Merge every group this unit touches into one (a small union-find by dict).
        roots = {owner[f] for f in fams if f in owner}
        size = max([len(u)] + [groups.pop(r) for r in roots])
        root = min(fams)
        for f, r in list(owner.items()):
            if r in roots:
                owner[f] = root
        for f in fams:
            owner[f] = root
        groups[root] = size
    return total + sum(groups.values())


def _unit_matches(flt, unit):
    return all(flt.matches(i) for i in unit)  # a case study matches only if all its items do


def _sums_reachable(sizes, target):
    reach = {0}
    for s in sizes:
        reach |= {r + s for r in reach if r + s <= target}
    return target in reach


def validate_blueprint(blueprint, bank_items) -> list:
    """Problems that could make draw() fail, worst case, as readable strings."""
    errors = []
    units = units_of(bank_items, blueprint.collections)
    if not blueprint.sections:
        errors.append("the blueprint has no sections")
    matched = []
    for n, (flt, count) in enumerate(blueprint.sections, 1):
        label = f"section {n} ({flt.describe()})"
        for name, vocab in FILTER_VOCAB.items():
            bad = (_as_set(getattr(flt, name)) or set()) - set(vocab or ())
            if vocab and bad:
                errors.append(f"{label}: unknown {name} {', '.join(sorted(bad))}")
        m = [u for u in units if _unit_matches(flt, u)]
        ids = {i.id for u in m for i in u}
        matched.append(ids)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            errors.append(f"{label}: count must be a positive whole number")
            continue
        # Worst case: every earlier section draws from the items it shares with this one,
        # and only one unit of each family can be drawn.
        taken = sum(min(c, len(matched[j] & ids)) for j, (_, c) in enumerate(blueprint.sections[:n - 1])
                    if isinstance(c, int))
        usable = capacity(m)
        if usable - taken < count:
            extra = f", and up to {taken} of those may be drawn by earlier sections" if taken else ""
            fam = f" ({usable} once families are kept apart)" if usable < len(ids) else ""
            errors.append(f"{label} asks for {count} items but only {len(ids)} match{fam}{extra}")
        elif not _sums_reachable([len(u) for u in m], count):
            errors.append(f"{label} asks for {count} items, which whole case studies plus single "
                          "items matching it cannot make up exactly")
    return errors


class _Pool:
    """The draw units of one item sequence and one collections restriction, prepared once.

    `units` is exactly units_of(items, collections); `unit_ids` holds each unit's item ids.
    Which units a Filter matches is computed on first use and remembered per Filter.
    """

    __slots__ = ("units", "unit_ids", "unit_families", "_matches")

    def __init__(self, items, collections):
        self.units = units_of(items, collections)
        self.unit_ids = [(u[0].id,) if len(u) == 1 else tuple(i.id for i in u) for u in self.units]
        self.unit_families = [unit_families(u) for u in self.units]
        self._matches = {}

    def matching(self, flt):
        """Indices (ascending, i.e. in units order) of the units `flt` matches."""
        try:
            return self._matches[flt]
        except KeyError:
            pass
        except TypeError:  # an unhashable filter value: match, but do not cache
            return self._match(flt)
        found = self._matches[flt] = self._match(flt)  # a race only computes the same tuple twice
        return found

    def _match(self, flt):
        # The same test as _unit_matches(flt, unit), one filter field at a time.
        found = range(len(self.units))
        for f in fields(flt):
            allowed = _as_set(getattr(flt, f.name))
            if not allowed:
                continue
            try:
                found = self._keep(found, operator.attrgetter(f.name), allowed)
            except AttributeError:  # some item lacks the field: it counts as None, as in Filter.matches
                found = self._keep(found, lambda i, name=f.name: getattr(i, name, None), allowed)
        return tuple(found)

    def _keep(self, found, get, allowed):
        units = self.units
        return [n for n in found if (get(units[n][0]) in allowed if len(units[n]) == 1
                                     else all(get(i) in allowed for i in units[n]))]


class _PoolCache:
    """A few recently prepared pools, keyed by the identity of every item in the sequence.

    A hit needs the same Item objects in the same order (compared by identity, so it is cheap
    and an in-place change to the list - append, remove, replace, reorder - is a miss). The
    cached tuple holds references to the items, so their ids cannot be reused while cached.
    Items are frozen dataclasses; mutating one behind the dataclass's back is not supported.
    """

    def __init__(self, size=4):
        self.size = size
        self._lock = threading.Lock()
        self._entries = OrderedDict()  # (len, id(first item)) -> [(items tuple, {collections: _Pool})]

    def pool(self, items, collections):
        items = tuple(items)
        ckey = _as_set(collections)
        key = (len(items), id(items[0]) if items else None)
        with self._lock:
            for cached, pools in self._entries.get(key, ()):
                if all(map(operator.is_, cached, items)):
                    self._entries.move_to_end(key)
                    break
            else:
                cached, pools = items, {}
                self._entries.setdefault(key, []).insert(0, (cached, pools))
                self._entries.move_to_end(key)
                self._trim()
            pool = pools.get(ckey)
            if pool is None:
                pool = pools[ckey] = _Pool(cached, ckey)
            return pool

    def _trim(self):
        while sum(len(v) for v in self._entries.values()) > self.size:
            oldest_key = next(iter(self._entries))
            bucket = self._entries[oldest_key]
            bucket.pop()
            if not bucket:
                del self._entries[oldest_key]

    def clear(self):
        with self._lock:
            self._entries.clear()


_POOLS = _PoolCache()


def drawable_ids(blueprint, items) -> frozenset:
    """Every item id a draw of `blueprint` from `items` could return: in its collections, in a
    unit some section's filter matches (a case study only when all its items match). Uses the
    draw's prepared pools, so asking again for the same items costs a lookup."""
    pool = _POOLS.pool(items, blueprint.collections)
    found = set()
    for flt, _count in blueprint.sections:
        for u in pool.matching(flt):
            found.update(pool.unit_ids[u])
    return frozenset(found)


def draw(blueprint, items, rng, seen_ids=frozenset(), exposure=None) -> list:
    """Item ids for one attempt. Per section: unseen first, then least exposed, then random.

    `exposure` maps item id -> times served in this resource link. No item is drawn twice;
    a case study comes whole and in order and counts as its number of items. No two units
    of one family (Item.family: near-duplicates, the same scenario) land in one attempt:
    a unit whose family is already drawn is passed over.

    The grouping of `items` into units and each section's filter matches are cached (see
    _PoolCache), so repeated draws from the same item objects skip that work. Ranking is by
    (any item seen, mean exposure, rng.random()) with one random number per candidate unit
    in units order, exactly as a full sort would be; only the best units are taken off a heap.
    """
    exposure = exposure or {}
    seen = seen_ids if isinstance(seen_ids, (set, frozenset)) else frozenset(seen_ids)
    pool = _POOLS.pool(items, blueprint.collections)
    units, unit_ids, families = pool.units, pool.unit_ids, pool.unit_families
    exp_get, rand = exposure.get, rng.random
    claimed, used_families, out = set(), set(), []
    for n, (flt, count) in enumerate(blueprint.sections, 1):
        cands = pool.matching(flt)
        if claimed:
            cands = [u for u in cands if unit_ids[u][0] not in claimed]
        heap = []
        for u in cands:
            ids = unit_ids[u]
            if len(ids) == 1:
                iid = ids[0]
                heap.append((iid in seen, exp_get(iid, 0) / 1, rand(), u))
            else:
                heap.append((any(i in seen for i in ids),
                             sum(exp_get(i, 0) for i in ids) / len(ids), rand(), u))
        heapq.heapify(heap)  # ties on the first three fall back to u, i.e. units order (a stable sort)
        chosen, left = [], count
        while left and heap:
            u = heapq.heappop(heap)[3]
            if len(unit_ids[u]) <= left and not (families[u] & used_families):
                chosen.append(u)
                left -= len(unit_ids[u])
                used_families |= families[u]
        if left:
            have = sum(len(unit_ids[u]) for u in cands)
            raise SelectionError(f"blueprint {blueprint.name!r} section {n} ({flt.describe()}) needs "
                                 f"{count} items but only {have} unused matching items are available"
                                 + (" in sizes that add up and from different families" if have >= count else ""))
        rng.shuffle(chosen)  # so the order does not reveal which items were unseen
        for u in chosen:
            claimed.add(unit_ids[u][0])
            out.extend(unit_ids[u])
    return out
