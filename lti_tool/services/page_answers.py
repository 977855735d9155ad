"""The answers a whole attempt page's form carries (a submit, a case lock), and what is wrong
with them, in the student's words.

Without JavaScript the form is the only copy of the student's answers: nothing autosaved them.
With JavaScript it backs up the autosaves that have not reached the server yet. Either way an
answer that cannot be kept as given (two steps in one position, a third tick in "Select 2")
is named at its question, never dropped without a word.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from question_bank.types.bowtie import SLOTS as BOWTIE_SLOTS

from ..models import Attempt
from . import bank_store
from .attempts import ALL_FRESH
from .case_progress import case_frontiers, reached
from .review import prefix_for


@dataclass
class PageAnswers:
    responses: dict[int, object] = field(default_factory=dict)  # position -> response (what can be kept)
    problems: dict[int, str] = field(default_factory=dict)      # position -> what to fix, in words


def fresh_positions(raw: str | None) -> set[int] | str:
    """The form's `fresh` field: "all" from a page without JavaScript (its answers are the newest
    there are), else the positions whose autosave had not got through when the page posted."""
    if raw is None or raw.strip() == ALL_FRESH:
        return ALL_FRESH
    return {int(p) for p in raw.split(",") if p.strip().isdigit()}


def _order_problem(form, prefix: str, steps: int) -> str | None:
    given = [v for k in form.keys() if k.startswith(prefix + "-pos-") for v in form.getlist(k) if v]
    shared = sorted(int(p) for p, n in Counter(given).items() if n > 1 and p.isdigit())
    if not shared:
        return None
    where = " and ".join(str(p) for p in shared)
    return (f"Each step needs a position of its own, from 1 to {steps}: more than one step has position {where}. "
            "Those steps are cleared; give each of them a free position.")


def _too_many(bank_item, response) -> str | None:
    """A "choose N" limit passed (Select N, the bow-tie's actions or parameters), in words."""
    d = bank_item.definition
    if bank_item.type == "select_n" and isinstance(response, list) and len(response) > d.get("n", len(response)):
        return (f"Choose no more than {d['n']}; you ticked {len(response)}, so this answer was not kept. "
                f"Tick the {d['n']} you want.")
    if bank_item.type == "bowtie" and isinstance(response, dict):
        over = [f"{len(response.get(k) or [])} {k}" for k, n in BOWTIE_SLOTS.items() if len(response.get(k) or []) > n]
        if over:
            return (f"Choose {BOWTIE_SLOTS['actions']} actions and {BOWTIE_SLOTS['parameters']} parameters; you ticked {' and '.join(over)}, so this answer was not kept. "
                    "Tick the ones you want.")
    return None


def read(attempt: Attempt, form) -> PageAnswers:
    """Every question's answer on the form (reached, unlocked questions only), with its problems."""
    out = PageAnswers()
    frontiers = case_frontiers(attempt)
    for item in attempt.items:
        if item.locked_at is not None or not reached(item, frontiers):
            continue
        t = bank_store.item_type(item.bank_item)
        prefix = prefix_for(item.position)
        try:
            response = t.from_form(form, prefix)
        except ValueError as exc:
            out.problems[item.position] = f"This answer could not be read ({exc}). Answer it again."
            continue
        if item.bank_item.type == "ordered_response":
            problem = _order_problem(form, prefix, len(item.bank_item.definition.get("options") or ()))
            if problem:
                out.problems[item.position] = problem
        try:
            t.validate_response(response)
        except ValueError as exc:
            out.problems[item.position] = _too_many(item.bank_item, response) or \
                f"This answer cannot be kept as given: {exc}."
            continue
        if response is not None:
            out.responses[item.position] = response
    return out
