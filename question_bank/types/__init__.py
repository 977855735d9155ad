"""Item type registry: stable string key -> class."""
from .bowtie import Bowtie
from .dropdown_cloze import DropdownCloze
from .dropdown_rationale import DropdownRationale
from .highlight import Highlight
from .matrix_multiple_choice import MatrixMultipleChoice
from .matrix_multiple_response import MatrixMultipleResponse
from .multiple_choice import MultipleChoice
from .ordered_response import OrderedResponse
from .select_all import SelectAll
from .select_n import SelectN

REGISTRY = {cls.key: cls for cls in (
    MultipleChoice, SelectAll, SelectN, OrderedResponse, DropdownCloze, DropdownRationale,
    MatrixMultipleChoice, MatrixMultipleResponse, Bowtie, Highlight,
)}

NGN_TYPES = frozenset(k for k, cls in REGISTRY.items() if cls.ngn)


def get_type(key):
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown item type {key!r}; known: {', '.join(sorted(REGISTRY))}") from None
