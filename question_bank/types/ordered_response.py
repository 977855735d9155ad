"""Ordered response: all_or_nothing (0/1, default) or by_position (1 per correct place).

Response: a list of option ids by position; None marks an unfilled position,
e.g. ["c", None, "d", "b"], so partial answers survive autosave.
"""
from ..scoring import Part, Score, zero_one
from .base import HouseRule, ItemType, check_choices, feedback_row, form_value, is_empty, ordered, public

SCORING = ("all_or_nothing", "by_position")


class OrderedResponse(ItemType):
    key = "ordered_response"
    label = "Ordered response"

    @classmethod
    def validate(cls, d):
        problems = []
        ids = check_choices(d.get("options"), "options", problems)
        if isinstance(d.get("options"), list) and len(d["options"]) < 2:
            problems.append(f"options: ordered_response needs at least 2 options, has {len(d['options'])}")
        elif isinstance(d.get("options"), list) and not 4 <= len(d["options"]) <= 6:
            problems.append(HouseRule(f"options: ordered_response needs 4-6 options, has {len(d['options'])}"))
        if d.get("scoring", "all_or_nothing") not in SCORING:
            problems.append(f"scoring: must be one of {', '.join(SCORING)}")
        key = d.get("key")
        if not isinstance(key, list) or sorted(map(str, key)) != sorted(ids):
            problems.append("key: must list every option id exactly once, in the correct order")
        return problems

    def scoring(self):
        return self.d.get("scoring", "all_or_nothing")

    def ids(self):
        return [o["id"] for o in self.d["options"]]

    def start(self, rng):
        order = self.ids()
        key = list(self.d["key"])
        # Always shuffle (pin_options is ignored): presenting the key order gives the answer.
        for _ in range(50):
            rng.shuffle(order)
            if order != key:
                break
        if order == key and len(order) > 1:
            order = order[1:] + order[:1]
        return {"order": order}

    def present(self, state=None):
        order = (state or {}).get("order")
        if not order:
            order = self.d["key"][1:] + self.d["key"][:1]
        opts = ordered(self.d["options"], order)
        return self._view(options=[public(o) for o in opts], positions=len(opts))

    def from_form(self, form, prefix):
        n = len(self.d["options"])
        slots = [None] * n
        clashes = set()
        for oid in self.ids():
            raw = form_value(form, f"{prefix}-pos-{oid}")
            if raw is None or not raw.isdigit() or not 1 <= int(raw) <= n:
                continue
            p = int(raw) - 1
            if slots[p] is not None or p in clashes:
                clashes.add(p)  # two options given one place: neither counts
                slots[p] = None
            else:
                slots[p] = oid
        return None if all(s is None for s in slots) else slots

    def validate_response(self, response):
        if is_empty(response):
            return
        if not isinstance(response, list) or len(response) > len(self.d["options"]):
            raise ValueError("response must be a list of option ids, one per position")
        placed = [r for r in response if r is not None]
        if not all(isinstance(r, str) for r in placed):
            raise ValueError("response entries must be option ids or null")
        unknown = set(placed) - set(self.ids())
        if unknown:
            raise ValueError(f"unknown option ids: {sorted(unknown)}")
        if len(set(placed)) != len(placed):
            raise ValueError("an option is placed twice")

    def max_points(self):
        return len(self.d["key"]) if self.scoring() == "by_position" else 1

    def _grade(self, response):
        key = list(self.d["key"])
        resp = list(response or [])
        resp += [None] * (len(key) - len(resp))
        if self.scoring() == "by_position":
            parts = [Part(f"position-{i + 1}", zero_one(resp[i] == k), 1) for i, k in enumerate(key)]
            return Score(sum(p.points for p in parts), len(key), parts)
        pts = zero_one(resp == key)
        return Score(pts, 1, [Part("order", pts, 1)])

    def correct_response(self):
        return list(self.d["key"])

    def summarise(self, response):
        if is_empty(response):
            return "(no answer)"
        by_id = {o["id"]: o["text"] for o in self.d["options"]}
        return " → ".join(by_id.get(r, "—") if r else "—" for r in response)

    def chosen_techniques(self, response):
        return []  # every option is part of the answer; nothing is "chosen" against the others

    def feedback(self, response):
        resp = list(response or [])
        rows = []
        for pos, oid in enumerate(self.d["key"]):
            option = next(o for o in self.d["options"] if o["id"] == oid)
            placed = resp.index(oid) + 1 if oid in resp else None
            rows.append(feedback_row(option, True, placed is not None,
                                     key_position=pos + 1, chosen_position=placed))
        return rows
