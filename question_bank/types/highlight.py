"""Highlight text: selectable segments in a passage, +/- scoring, floor 0."""
from ..scoring import Score, plus_minus_parts
from .base import HouseRule, ItemType, check_choices, feedback_row, form_list, is_empty


class Highlight(ItemType):
    key = "highlight"
    label = "Highlight text"

    @classmethod
    def validate(cls, d):
        problems = []
        passage = d.get("passage")
        if not isinstance(passage, list) or not passage:
            problems.append("passage: must be a non-empty list of segments")
            return problems
        seen = []
        for i, s in enumerate(passage):
            if not isinstance(s, dict) or not isinstance(s.get("text"), str):
                problems.append(f"passage[{i}]: needs text")
            elif not s.get("selectable") and isinstance(s.get("id"), str):
                seen.append(s["id"])
        selectable = [s for s in passage if isinstance(s, dict) and s.get("selectable")]
        ids = check_choices(selectable, "passage segment", problems) if selectable else []
        if not ids:
            problems.append("passage: needs at least one selectable segment")
        elif len(ids) < 3:
            problems.append(HouseRule("passage: needs at least 3 selectable segments"))
        if set(ids) & set(seen):
            problems.append("passage: duplicate segment ids")
        key = d.get("key")
        if not isinstance(key, list) or not key or len(set(key)) != len(key):
            problems.append("key: must be a non-empty list of distinct selectable segment ids")
        else:
            for k in key:
                if k not in ids:
                    problems.append(f"key: {k!r} is not a selectable segment id")
            if ids and len(set(key)) >= len(ids):
                problems.append(HouseRule("key: every selectable segment is a key; include distractors"))
        return problems

    def choices(self):
        return [s for s in self.d["passage"] if s.get("selectable")]

    def ids(self):
        return [s["id"] for s in self.choices()]

    def start(self, rng):
        return {}  # the passage keeps its order

    def present(self, state=None):
        segs = [{"id": s.get("id"), "text": s["text"], "selectable": bool(s.get("selectable"))}
                for s in self.d["passage"]]
        return self._view(passage=segs, instruction="Select every part of the passage that applies.")

    def from_form(self, form, prefix):
        return list(dict.fromkeys(form_list(form, prefix))) or None

    def validate_response(self, response):
        if is_empty(response):
            return
        if not isinstance(response, list) or not all(isinstance(v, str) for v in response):
            raise ValueError("response must be a list of segment ids")
        unknown = set(response) - set(self.ids())
        if unknown:
            raise ValueError(f"unknown segment ids: {sorted(unknown)}")
        if len(set(response)) != len(response):
            raise ValueError("a segment is chosen twice")

    def max_points(self):
        return len(self.d["key"])

    def _grade(self, response):
        points, parts = plus_minus_parts(self.ids(), response or [], self.d["key"])
        return Score(points, self.max_points(), parts)

    def correct_response(self):
        return list(self.d["key"])

    def summarise(self, response):
        if is_empty(response):
            return "(no answer)"
        text = {s["id"]: s["text"].strip() for s in self.choices()}
        return "; ".join(f"“{text[r]}”" for r in response)

    def chosen_techniques(self, response):
        by_id = {s["id"]: s for s in self.choices()}
        return [(by_id[r].get("technique"), r in self.d["key"]) for r in (response or [])]

    def feedback(self, response):
        chosen = set(response or [])
        return [feedback_row(s, s["id"] in self.d["key"], s["id"] in chosen) for s in self.choices()]
