"""Select all that apply: +/- scoring, floor 0, max = number of keys."""
from .base import HouseRule
from .choice import MultiPickType


class SelectAll(MultiPickType):
    key = "select_all"
    label = "Select all that apply"
    min_options, max_options = 5, 8

    @classmethod
    def validate(cls, d):
        problems = []
        ids = cls._check_options(d, problems)
        key = d.get("key")
        if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
            problems.append("key: must be a list of option ids")
            return problems
        if len(set(key)) != len(key):
            problems.append("key: duplicate ids")
        if not key:
            problems.append("key: select_all needs at least one key")
        elif len(key) < 2:
            problems.append(HouseRule("key: select_all needs 2 or more keys"))
        if ids and len(set(key)) >= len(ids):
            problems.append(HouseRule("key: every option is a key; include at least one distractor"))
        for k in key:
            if ids and k not in ids:
                problems.append(f"key: {k!r} is not an option id")
        return problems

    def present(self, state=None):
        view = super().present(state)
        view["instruction"] = "Select all that apply."
        return view
