"""Shared machinery for item types.

An item type wraps one item definition (the YAML dict). Responses are plain JSON values;
`None` (or an empty list/dict) means "not answered" and grades to 0.
"""
from __future__ import annotations

from ..scoring import Score
from ..vocabulary import TECHNIQUES


def is_empty(response) -> bool:
    if response is None or response == "" or response == [] or response == {}:
        return True
    if isinstance(response, dict):
        return all(is_empty(v) for v in response.values())
    if isinstance(response, list):
        return all(v is None for v in response)
    return False


def form_list(form, name):
    """All non-empty values of a form field; works with MultiDict or a plain dict."""
    if hasattr(form, "getlist"):
        values = form.getlist(name)
    else:
        value = form.get(name)
        values = value if isinstance(value, (list, tuple)) else ([] if value is None else [value])
    return [str(v) for v in values if v not in (None, "")]


def form_value(form, name):
    values = form_list(form, name)
    return values[0] if values else None


CHOICE_FIELDS = {"id", "text", "technique", "rationale", "key", "selectable"}


class HouseRule(str):
    """A problem against our own item-writing rules (option counts, technique tags,
    rationales), not against what the engine can serve and score. The bundled bank must
    meet them; imported collections get them as warnings (item_from_dict(imported=True))."""


def check_choices(choices, where, problems, need_technique=True):
    """Check a list of selectable things: id, text, technique, rationale; unique ids."""
    if not isinstance(choices, list) or not choices:
        problems.append(f"{where}: must be a non-empty list")
        return []
    ids = []
    for i, c in enumerate(choices):
        if not isinstance(c, dict):
            problems.append(f"{where}[{i}]: must be a mapping with id, text, technique, rationale")
            continue
        cid = c.get("id")
        label = f"{where} {cid!r}" if cid is not None else f"{where}[{i}]"
        if not isinstance(cid, str) or not cid:
            problems.append(f"{label}: id must be a non-empty string (quote ids like 'no', 'on', 1)")
        elif cid in ids:
            problems.append(f"{label}: duplicate id")
        else:
            ids.append(cid)
        if not isinstance(c.get("text"), str) or not c.get("text", "").strip():
            problems.append(f"{label}: text is missing")
        extra = set(c) - CHOICE_FIELDS
        if extra:
            problems.append(f"{label}: unknown field(s) {sorted(map(str, extra))} "
                            "(an unquoted comma in a {...} flow mapping splits the text)")
        if need_technique:
            tech = c.get("technique")
            if tech is None:
                problems.append(HouseRule(f"{label}: technique is missing"))
            elif tech not in TECHNIQUES:
                problems.append(f"{label}: unknown technique {tech!r}")
            if not isinstance(c.get("rationale"), str) or not c.get("rationale", "").strip():
                problems.append(HouseRule(f"{label}: rationale is missing"))
    return ids


def public(choice):
    """The browser-safe part of a choice."""
    return {"id": choice["id"], "text": choice["text"]}


def ordered(choices, order):
    by_id = {c["id"]: c for c in choices}
    if not order:
        return list(choices)
    return [by_id[i] for i in order if i in by_id]


def shuffled_ids(choices, rng, pin=False):
    ids = [c["id"] for c in choices]
    if not pin:
        rng.shuffle(ids)
    return ids


def feedback_row(choice, is_key, chosen, **extra):
    row = {
        "id": choice["id"],
        "text": choice.get("text", ""),
        "technique": choice.get("technique"),
        "rationale": choice.get("rationale", ""),
        "is_key": bool(is_key),
        "chosen": chosen,
    }
    row.update(extra)
    return row


class ItemType:
    """Base class. Subclasses set `key` and implement the abstract methods."""

    key = ""
    label = ""
    ngn = True  # an NCLEX Next Generation type

    def __init__(self, definition: dict):
        self.d = definition
        self.pin = bool(definition.get("pin_options", False))

    # -- authoring -------------------------------------------------------
    @classmethod
    def validate(cls, definition) -> list:
        raise NotImplementedError

    def choices(self) -> list:
        """Every selectable thing (for lint: rationales, techniques, wording)."""
        return list(self.d.get("options", []))

    # -- delivery --------------------------------------------------------
    def start(self, rng) -> dict:
        raise NotImplementedError

    def present(self, state=None) -> dict:
        raise NotImplementedError

    def _view(self, **fields):
        view = {"type": self.key, "stem": self.d.get("stem", "")}
        if self.d.get("stem_html"):      # imported formatting and images (formats/richtext.py)
            view["stem_html"] = self.d["stem_html"]
        view.update(fields)
        return view

    def from_form(self, form, prefix: str):
        raise NotImplementedError

    def validate_response(self, response) -> None:
        raise NotImplementedError

    # -- scoring and review ----------------------------------------------
    def max_points(self):
        raise NotImplementedError

    def grade(self, response) -> Score:
        """Score a response; raises ValueError if it is malformed."""
        self.validate_response(response)
        return self._grade(None if is_empty(response) else response)

    def _grade(self, response) -> Score:
        raise NotImplementedError

    def correct_response(self):
        raise NotImplementedError

    def summarise(self, response) -> str:
        raise NotImplementedError

    def chosen_techniques(self, response) -> list:
        raise NotImplementedError

    def feedback(self, response) -> list:
        raise NotImplementedError
