"""Multiple choice, one key: 0/1."""
from .choice import SingleKeyType


class MultipleChoice(SingleKeyType):
    key = "multiple_choice"
    label = "Multiple choice"
    ngn = False
    min_options, max_options = 3, 5

    @classmethod
    def validate(cls, d):
        problems = []
        ids = cls._check_options(d, problems)
        key = d.get("key")
        if not isinstance(key, str):
            problems.append("key: multiple_choice needs exactly one key (a single option id)")
        elif ids and key not in ids:
            problems.append(f"key: {key!r} is not an option id")
        return problems
