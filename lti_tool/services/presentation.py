"""How a served item starts: its options shuffled for this attempt, or as the author wrote them.

Shared by the fixed draw (attempts) and adaptive practice (adaptive), which serve items the
same way; an ordered-response item is always shuffled, since its order is the answer."""
from __future__ import annotations

import random

from question_bank.types import get_type


class _AsWritten(random.Random):
    """An RNG whose shuffle keeps the order: items start with their options as the author wrote them."""

    def shuffle(self, x):
        return None


AS_WRITTEN = _AsWritten(0)


def start_state(item, shuffle_options: bool, rng: random.Random) -> dict:
    """The stored presentation of `item` (a question_bank Item) for one attempt."""
    as_written = not shuffle_options and item.type != "ordered_response"
    return get_type(item.type)(item.definition).start(AS_WRITTEN if as_written else rng)
