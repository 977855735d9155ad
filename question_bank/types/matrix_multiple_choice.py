"""Matrix multiple choice: one column per row, 0/1 per row."""
from ..scoring import Part, Score, zero_one
from .matrix import MatrixType


class MatrixMultipleChoice(MatrixType):
    key = "matrix_multiple_choice"
    label = "Matrix multiple choice"
    multiple = False

    @classmethod
    def validate(cls, d):
        problems = []
        col_ids, rows = cls._check_grid(d, problems)
        for r in rows:
            if not isinstance(r.get("key"), str) or (col_ids and r["key"] not in col_ids):
                problems.append(f"rows {r.get('id')!r}: key must be one column id")
        return problems

    def max_points(self):
        return len(self.d["rows"])

    def _grade(self, response):
        response = response or {}
        parts = [Part(r["id"], zero_one(response.get(r["id"]) == r["key"]), 1) for r in self.d["rows"]]
        return Score(sum(p.points for p in parts), self.max_points(), parts)
