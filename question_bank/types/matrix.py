"""Shared code for the two matrix types: rows (shuffled) against fixed columns."""
from .base import HouseRule, ItemType, check_choices, feedback_row, form_list, is_empty, ordered, public


class MatrixType(ItemType):
    multiple = False

    @classmethod
    def _check_grid(cls, d, problems):
        cols = d.get("columns")
        col_ids = []
        if not isinstance(cols, list) or len(cols) < 2:
            problems.append("columns: need a list of at least 2 columns with id and text")
        else:
            for i, c in enumerate(cols):
                if not isinstance(c, dict) or not isinstance(c.get("id"), str) or not isinstance(c.get("text"), str):
                    problems.append(f"columns[{i}]: needs id and text")
                elif c["id"] in col_ids:
                    problems.append(f"columns {c['id']!r}: duplicate id")
                else:
                    col_ids.append(c["id"])
        check_choices(d.get("rows"), "rows", problems)
        rows = d.get("rows") if isinstance(d.get("rows"), list) else []
        if rows and not 3 <= len(rows) <= 8:
            problems.append(HouseRule(f"rows: {cls.key} needs 3-8 rows, has {len(rows)}"))
        return col_ids, [r for r in rows if isinstance(r, dict)]

    def choices(self):
        return list(self.d["rows"])

    def col_ids(self):
        return [c["id"] for c in self.d["columns"]]

    def row_ids(self):
        return [r["id"] for r in self.d["rows"]]

    def row_keys(self, row):
        k = row["key"]
        return [k] if isinstance(k, str) else list(k)

    def start(self, rng):
        ids = self.row_ids()
        if not self.pin:
            rng.shuffle(ids)
        return {"rows": ids}

    def present(self, state=None):
        rows = ordered(self.d["rows"], (state or {}).get("rows"))
        return self._view(columns=[public(c) for c in self.d["columns"]],
                          rows=[public(r) for r in rows], multiple=self.multiple)

    def _cells(self, response):
        """row id -> list of chosen column ids."""
        out = {}
        for rid, v in (response or {}).items():
            out[rid] = [] if v is None else ([v] if isinstance(v, str) else list(v))
        return out

    def validate_response(self, response):
        if is_empty(response):
            return
        if not isinstance(response, dict):
            raise ValueError("response must map row ids to column ids")
        rows, cols = set(self.row_ids()), set(self.col_ids())
        for rid, v in response.items():
            if rid not in rows:
                raise ValueError(f"unknown row id: {rid!r}")
            picked = [] if v is None else ([v] if isinstance(v, str) else v)
            if not isinstance(picked, list) or not all(isinstance(c, str) for c in picked):
                raise ValueError(f"row {rid!r}: wrong shape")
            if set(picked) - cols:
                raise ValueError(f"row {rid!r}: unknown column ids {sorted(set(picked) - cols)}")
            if len(set(picked)) != len(picked):
                raise ValueError(f"row {rid!r}: a column is chosen twice")
            if not self.multiple and (not isinstance(v, (str, type(None)))):
                raise ValueError(f"row {rid!r}: choose one column")

    def from_form(self, form, prefix):
        resp = {}
        for rid in self.row_ids():
            values = list(dict.fromkeys(form_list(form, f"{prefix}-{rid}")))
            if values:
                resp[rid] = values if self.multiple else values[0]
        return resp or None

    def correct_response(self):
        return {r["id"]: (self.row_keys(r) if self.multiple else r["key"]) for r in self.d["rows"]}

    def _row_correct(self, row, cells):
        return set(cells.get(row["id"], [])) == set(self.row_keys(row))

    def summarise(self, response):
        cells = self._cells(response)
        if not any(cells.values()):
            return "(no answer)"
        names = {c["id"]: c["text"] for c in self.d["columns"]}
        return "; ".join(f"{r['text']}: {', '.join(names[c] for c in cells[r['id']]) or '—'}"
                         for r in self.d["rows"] if r["id"] in cells)

    def chosen_techniques(self, response):
        # The row's technique, and whether the student classified that row correctly.
        cells = self._cells(response)
        return [(r.get("technique"), self._row_correct(r, cells)) for r in self.d["rows"] if cells.get(r["id"])]

    def feedback(self, response):
        cells = self._cells(response)
        rows = []
        for r in self.d["rows"]:
            ok = self._row_correct(r, cells)
            rows.append(feedback_row(r, ok, cells.get(r["id"], []), key=self.row_keys(r), correct=ok))
        return rows
