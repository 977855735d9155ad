"""Matrix multiple response: +/- per column, each column floored at 0."""
from ..scoring import Part, Score
from .base import HouseRule
from .matrix import MatrixType


class MatrixMultipleResponse(MatrixType):
    key = "matrix_multiple_response"
    label = "Matrix multiple response"
    multiple = True

    @classmethod
    def validate(cls, d):
        problems = []
        col_ids, rows = cls._check_grid(d, problems)
        keyed = set()
        for r in rows:
            k = r.get("key")
            if not isinstance(k, list) or not all(isinstance(c, str) for c in k) or len(set(k)) != len(k):
                problems.append(f"rows {r.get('id')!r}: key must be a list of distinct column ids (may be empty)")
                continue
            for c in k:
                if col_ids and c not in col_ids:
                    problems.append(f"rows {r.get('id')!r}: key {c!r} is not a column id")
            keyed.update(k)
        for c in col_ids:
            if rows and c not in keyed:
                problems.append(HouseRule(f"columns {c!r}: no keyed cell; +/- per column needs at least one"))
        return problems

    def max_points(self):
        return sum(len(self.row_keys(r)) for r in self.d["rows"])

    def _grade(self, response):
        cells = self._cells(response)
        parts = []
        for c in self.col_ids():
            keyed = sum(1 for r in self.d["rows"] if c in self.row_keys(r))
            net = 0
            for r in self.d["rows"]:
                if c in cells.get(r["id"], []):
                    net += 1 if c in self.row_keys(r) else -1
            parts.append(Part(c, max(0, net), keyed))
        return Score(sum(p.points for p in parts), self.max_points(), parts)
