"""Bow-tie: 1 condition, 2 actions, 2 parameters; 0/1 per slot (max 5)."""
from ..scoring import Part, Score, zero_one
from .base import HouseRule, ItemType, check_choices, feedback_row, form_list, form_value, is_empty, ordered, public

LISTS = {"conditions": 4, "actions": 5, "parameters": 5}
SLOTS = {"actions": 2, "parameters": 2}


class Bowtie(ItemType):
    key = "bowtie"
    label = "Bow-tie"

    @classmethod
    def validate(cls, d):
        problems = []
        ids = {}
        for name, size in LISTS.items():
            ids[name] = check_choices(d.get(name), name, problems)
            least = SLOTS.get(name, 1) + 1   # the engine needs more choices than slots
            if isinstance(d.get(name), list) and len(d[name]) < least:
                problems.append(f"{name}: bowtie needs at least {least} {name}, has {len(d[name])}")
            elif isinstance(d.get(name), list) and len(d[name]) != size:
                problems.append(HouseRule(f"{name}: bowtie needs {size} {name}, has {len(d[name])}"))
        key = d.get("key")
        if not isinstance(key, dict):
            problems.append("key: must be {condition: id, actions: [id, id], parameters: [id, id]}")
            return problems
        if not isinstance(key.get("condition"), str) or (ids["conditions"] and key["condition"] not in ids["conditions"]):
            problems.append("key: condition must be one condition id")
        for name, n in SLOTS.items():
            k = key.get(name)
            if not isinstance(k, list) or len(set(k)) != n or len(k) != n:
                problems.append(f"key: {name} must list {n} distinct ids")
            elif ids[name] and set(k) - set(ids[name]):
                problems.append(f"key: {name} {sorted(set(k) - set(ids[name]))} not in {name}")
        return problems

    def choices(self):
        return [c for name in LISTS for c in self.d[name]]

    def start(self, rng):
        state = {}
        for name in LISTS:
            ids = [c["id"] for c in self.d[name]]
            if not self.pin:
                rng.shuffle(ids)
            state[name] = ids
        return state

    def present(self, state=None):
        state = state or {}
        lists = {name: [public(c) for c in ordered(self.d[name], state.get(name))] for name in LISTS}
        return self._view(slots={"condition": 1, **SLOTS}, **lists)

    def from_form(self, form, prefix):
        resp = {"condition": form_value(form, f"{prefix}-condition")}
        for name in SLOTS:
            singular = name[:-1]
            # Checkboxes (prefix-actions, repeated), or one select per slot (prefix-action-1, -2).
            picks = form_list(form, f"{prefix}-{name}") + \
                [form_value(form, f"{prefix}-{singular}-{i + 1}") for i in range(SLOTS[name])]
            resp[name] = list(dict.fromkeys(p for p in picks if p))
        return None if is_empty(resp) else resp

    def validate_response(self, response):
        if is_empty(response):
            return
        if not isinstance(response, dict) or set(response) - {"condition", *SLOTS}:
            raise ValueError("response must be {condition, actions, parameters}")
        cond = response.get("condition")
        if cond is not None and cond not in {c["id"] for c in self.d["conditions"]}:
            raise ValueError(f"unknown condition: {cond!r}")
        for name, n in SLOTS.items():
            picks = response.get(name) or []
            if not isinstance(picks, list) or len(picks) > n or len(set(picks)) != len(picks):
                raise ValueError(f"{name}: at most {n} distinct ids")
            unknown = set(picks) - {c["id"] for c in self.d[name]}
            if unknown:
                raise ValueError(f"unknown {name}: {sorted(unknown)}")

    def max_points(self):
        return 1 + sum(SLOTS.values())

    def _grade(self, response):
        response = response or {}
        key = self.d["key"]
        parts = [Part("condition", zero_one(response.get("condition") == key["condition"]), 1)]
        for name in SLOTS:
            picks = set(response.get(name) or [])
            parts += [Part(f"{name}:{k}", zero_one(k in picks), 1) for k in key[name]]
        return Score(sum(p.points for p in parts), self.max_points(), parts)

    def correct_response(self):
        k = self.d["key"]
        return {"condition": k["condition"], "actions": list(k["actions"]), "parameters": list(k["parameters"])}

    def _picked(self, response):
        response = response or {}
        chosen = {"conditions": [response.get("condition")] if response.get("condition") else []}
        chosen.update({name: list(response.get(name) or []) for name in SLOTS})
        return chosen

    def _keyset(self, name):
        k = self.d["key"]
        return {k["condition"]} if name == "conditions" else set(k[name])

    def summarise(self, response):
        chosen = self._picked(response)
        if not any(chosen.values()):
            return "(no answer)"
        text = {(n, c["id"]): c["text"] for n in LISTS for c in self.d[n]}
        return "; ".join(f"{n}: {', '.join(text[(n, i)] for i in chosen[n]) or '—'}" for n in LISTS)

    def chosen_techniques(self, response):
        chosen = self._picked(response)
        by_id = {(n, c["id"]): c for n in LISTS for c in self.d[n]}
        return [(by_id[(n, i)].get("technique"), i in self._keyset(n)) for n in LISTS for i in chosen[n]]

    def feedback(self, response):
        chosen = self._picked(response)
        return [feedback_row(c, c["id"] in self._keyset(n), c["id"] in chosen[n], group=n)
                for n in LISTS for c in self.d[n]]
