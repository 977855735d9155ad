"""Drop-down rationale (dyad or triad): 1 point only when every blank is right."""
from ..scoring import Part, Score
from .dropdown_cloze import DropdownCloze


class DropdownRationale(DropdownCloze):
    key = "dropdown_rationale"
    label = "Drop-down rationale"
    min_blanks, max_blanks = 2, 3

    def max_points(self):
        return 1

    def _grade(self, response):
        blanks = self._blank_parts(response)
        pts = 1 if all(p.points == 1 for p in blanks) else 0
        return Score(pts, 1, [Part("all-blanks", pts, 1)])
