"""The form fields a browser sends for a response (the names in question_bank/FORMAT.md)."""


def form_fields(kind: str, prefix: str, response) -> list[tuple[str, str]]:
    if response is None:
        return []
    if kind == "multiple_choice":
        return [(prefix, response)]
    if kind in ("select_all", "select_n", "highlight"):
        return [(prefix, v) for v in response]
    if kind == "ordered_response":
        return [(f"{prefix}-pos-{oid}", str(i)) for i, oid in enumerate(response, start=1) if oid]
    if kind in ("dropdown_cloze", "dropdown_rationale"):
        return [(f"{prefix}-{blank}", v) for blank, v in response.items() if v]
    if kind == "matrix_multiple_choice":
        return [(f"{prefix}-{row}", v) for row, v in response.items() if v]
    if kind == "matrix_multiple_response":
        return [(f"{prefix}-{row}", v) for row, vals in response.items() for v in vals]
    if kind == "bowtie":
        out = [(f"{prefix}-condition", response["condition"])]
        out += [(f"{prefix}-actions", v) for v in response["actions"]]
        out += [(f"{prefix}-parameters", v) for v in response["parameters"]]
        return out
    raise ValueError(kind)
