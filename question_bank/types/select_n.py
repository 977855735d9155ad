"""Select N: 0/1 per key; more than n picks is rejected."""
from ..scoring import Part, Score
from .base import HouseRule
from .choice import MultiPickType


class SelectN(MultiPickType):
    key = "select_n"
    label = "Select N"
    min_options, max_options = 4, 10

    @classmethod
    def validate(cls, d):
        problems = []
        ids = cls._check_options(d, problems)
        n, key = d.get("n"), d.get("key")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            problems.append("n: must be a positive integer")
            return problems
        if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
            problems.append("key: must be a list of option ids")
            return problems
        if len(set(key)) != n or len(key) != n:
            problems.append(f"key: select_n needs exactly n={n} distinct keys, has {len(key)}")
        if ids and n > len(ids):
            problems.append(f"n: must not exceed the number of options ({len(ids)})")
        elif ids and n == len(ids):
            problems.append(HouseRule(f"n: must be less than the number of options ({len(ids)})"))
        for k in key:
            if ids and k not in ids:
                problems.append(f"key: {k!r} is not an option id")
        return problems

    def validate_response(self, response):
        super().validate_response(response)
        if response and len(response) > self.d["n"]:
            raise ValueError(f"at most {self.d['n']} options may be chosen")

    def present(self, state=None):
        view = super().present(state)
        view["n"] = self.d["n"]
        view["instruction"] = f"Select {self.d['n']}."
        return view

    def _grade(self, response):
        chosen = set(response or ())
        parts = [Part(k, 1 if k in chosen else 0, 1) for k in self.keys()]
        return Score(sum(p.points for p in parts), self.max_points(), parts)
