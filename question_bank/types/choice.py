"""Option-list types: one or several picks among shuffled options."""
from __future__ import annotations

from ..scoring import Part, Score, plus_minus_parts, zero_one
from .base import HouseRule, ItemType, check_choices, feedback_row, form_list, form_value, is_empty, ordered, public, shuffled_ids


class OptionsType(ItemType):
    min_options, max_options = 3, 8
    engine_min_options = 2      # fewer cannot be served at all, imported or not
    multiple = True

    @classmethod
    def _check_options(cls, d, problems):
        ids = check_choices(d.get("options"), "options", problems)
        n = len(d.get("options") or [])
        if isinstance(d.get("options"), list) and n < cls.engine_min_options:
            problems.append(f"options: {cls.key} needs at least {cls.engine_min_options} options, has {n}")
        elif isinstance(d.get("options"), list) and not cls.min_options <= n <= cls.max_options:
            problems.append(HouseRule(f"options: {cls.key} needs {cls.min_options}-{cls.max_options} options, has {n}"))
        return ids

    def option_ids(self):
        return [o["id"] for o in self.d["options"]]

    def _option(self, oid):
        return next(o for o in self.d["options"] if o["id"] == oid)

    def start(self, rng):
        return {"order": shuffled_ids(self.d["options"], rng, self.pin)}

    def present(self, state=None):
        opts = ordered(self.d["options"], (state or {}).get("order"))
        return self._view(options=[public(o) for o in opts], multiple=self.multiple)

    def keys(self):
        k = self.d["key"]
        return [k] if isinstance(k, str) else list(k)

    def correct_response(self):
        return list(self.keys())

    def _chosen(self, response):
        if is_empty(response):
            return []
        return [response] if isinstance(response, str) else list(response)

    def summarise(self, response):
        chosen = self._chosen(response)
        if not chosen:
            return "(no answer)"
        return "; ".join(self._option(c)["text"] for c in chosen)

    def chosen_techniques(self, response):
        keys = set(self.keys())
        return [(self._option(c).get("technique"), c in keys) for c in self._chosen(response)]

    def feedback(self, response):
        keys, chosen = set(self.keys()), set(self._chosen(response))
        return [feedback_row(o, o["id"] in keys, o["id"] in chosen) for o in self.d["options"]]


class MultiPickType(OptionsType):
    """Checkbox types: response is a list of distinct option ids."""

    def from_form(self, form, prefix):
        values = form_list(form, prefix)
        return list(dict.fromkeys(values)) or None

    def validate_response(self, response):
        if is_empty(response):
            return
        if not isinstance(response, list) or not all(isinstance(v, str) for v in response):
            raise ValueError("response must be a list of option ids")
        unknown = set(response) - set(self.option_ids())
        if unknown:
            raise ValueError(f"unknown option ids: {sorted(unknown)}")
        if len(set(response)) != len(response):
            raise ValueError("an option is chosen twice")

    def max_points(self):
        return len(self.keys())

    def _grade(self, response):
        points, parts = plus_minus_parts(self.option_ids(), response or [], self.keys())
        return Score(points, self.max_points(), parts)


class SingleKeyType(OptionsType):
    multiple = False

    def from_form(self, form, prefix):
        return form_value(form, prefix)

    def validate_response(self, response):
        if is_empty(response):
            return
        if not isinstance(response, str):
            raise ValueError("response must be one option id")
        if response not in self.option_ids():
            raise ValueError(f"unknown option id: {response!r}")

    def max_points(self):
        return 1

    def correct_response(self):
        return self.d["key"]

    def _grade(self, response):
        pts = zero_one(response == self.d["key"])
        return Score(pts, 1, [Part("answer", pts, 1)])
