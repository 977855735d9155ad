"""Drop-down cloze: 0/1 per blank. `text` holds the sentence with {{blank_id}} markers."""
import re

from ..scoring import Part, Score, zero_one
from .base import HouseRule, ItemType, check_choices, feedback_row, form_value, is_empty, ordered, public

BLANK = re.compile(r"\{\{\s*([A-Za-z0-9_-]+)\s*\}\}")


class DropdownCloze(ItemType):
    key = "dropdown_cloze"
    label = "Drop-down cloze"
    min_blanks, max_blanks = 1, 6

    @classmethod
    def validate(cls, d):
        problems = []
        text, blanks = d.get("text"), d.get("blanks")
        if not isinstance(text, str) or not text.strip():
            problems.append("text: the sentence with {{blank}} markers is missing")
            text = ""
        if not isinstance(blanks, list) or not blanks:
            problems.append("blanks: must be a non-empty list")
            return problems
        if not cls.min_blanks <= len(blanks) <= cls.max_blanks:
            problems.append(HouseRule(f"blanks: {cls.key} needs {cls.min_blanks}-{cls.max_blanks} blanks, has {len(blanks)}"))
        markers = BLANK.findall(text)
        seen = []
        for i, b in enumerate(blanks):
            if not isinstance(b, dict) or not isinstance(b.get("id"), str):
                problems.append(f"blanks[{i}]: needs an id, options and key")
                continue
            if b["id"] in seen:
                problems.append(f"blanks {b['id']!r}: duplicate id")
            seen.append(b["id"])
            ids = check_choices(b.get("options"), f"blank {b['id']!r} options", problems)
            if isinstance(b.get("options"), list) and len(b["options"]) < 2:
                problems.append(f"blank {b['id']!r}: needs at least 2 options")
            if not isinstance(b.get("key"), str) or (ids and b["key"] not in ids):
                problems.append(f"blank {b['id']!r}: key must be one of its option ids")
            if markers.count(b["id"]) != 1:
                problems.append(f"text: marker {{{{{b['id']}}}}} must appear exactly once")
        for m in markers:
            if m not in seen:
                problems.append(f"text: marker {{{{{m}}}}} has no blank")
        return problems

    def blanks(self):
        return self.d["blanks"]

    def choices(self):
        return [o for b in self.blanks() for o in b["options"]]

    def start(self, rng):
        orders = {}
        for b in self.blanks():
            ids = [o["id"] for o in b["options"]]
            if not self.pin:
                rng.shuffle(ids)
            orders[b["id"]] = ids
        return {"orders": orders}

    def present(self, state=None):
        orders = (state or {}).get("orders", {})
        segments, pos = [], 0
        for m in BLANK.finditer(self.d["text"]):
            if m.start() > pos:
                segments.append({"text": self.d["text"][pos:m.start()]})
            segments.append({"blank": m.group(1)})
            pos = m.end()
        if pos < len(self.d["text"]):
            segments.append({"text": self.d["text"][pos:]})
        blanks = [{"id": b["id"], "label": f"Blank {i + 1}",
                   "options": [public(o) for o in ordered(b["options"], orders.get(b["id"]))]}
                  for i, b in enumerate(self.blanks())]
        return self._view(segments=segments, blanks=blanks)

    def from_form(self, form, prefix):
        resp = {b["id"]: form_value(form, f"{prefix}-{b['id']}") for b in self.blanks()}
        resp = {k: v for k, v in resp.items() if v is not None}
        return resp or None

    def validate_response(self, response):
        if is_empty(response):
            return
        if not isinstance(response, dict):
            raise ValueError("response must map blank ids to option ids")
        by_id = {b["id"]: {o["id"] for o in b["options"]} for b in self.blanks()}
        for bid, oid in response.items():
            if bid not in by_id:
                raise ValueError(f"unknown blank id: {bid!r}")
            if oid is not None and oid not in by_id[bid]:
                raise ValueError(f"unknown option {oid!r} for blank {bid!r}")

    def max_points(self):
        return len(self.blanks())

    def _blank_parts(self, response):
        response = response or {}
        return [Part(b["id"], zero_one(response.get(b["id"]) == b["key"]), 1) for b in self.blanks()]

    def _grade(self, response):
        parts = self._blank_parts(response)
        return Score(sum(p.points for p in parts), self.max_points(), parts)

    def correct_response(self):
        return {b["id"]: b["key"] for b in self.blanks()}

    def _picked(self, response):
        response = response or {}
        for b in self.blanks():
            oid = response.get(b["id"])
            if oid is not None:
                yield b, next(o for o in b["options"] if o["id"] == oid)

    def summarise(self, response):
        picks = {b["id"]: o["text"] for b, o in self._picked(response)}
        if not picks:
            return "(no answer)"
        return BLANK.sub(lambda m: f"[{picks.get(m.group(1), '—')}]", self.d["text"])

    def chosen_techniques(self, response):
        return [(o.get("technique"), o["id"] == b["key"]) for b, o in self._picked(response)]

    def feedback(self, response):
        response = response or {}
        return [feedback_row(o, o["id"] == b["key"], response.get(b["id"]) == o["id"], group=b["id"])
                for b in self.blanks() for o in b["options"]]
