"""The LMS page's origin, as the server knows it (for the frame's postMessages), and whether a page
follows one of Rapport's own (Fetch Metadata: the no-referrer policy empties document.referrer)."""
import json
import re
from pathlib import Path

from lti_tool.services.lms_frame import origin
from tests.support.platform import AGS, LTI, NRPS, TestPlatform

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _origins(page: str) -> list[str] | None:
    m = re.search(r'data-lms-origins="([^"]*)"', page)
    return m.group(1).split() if m else None


def test_origin_of_a_url():
    assert origin("https://Moodle.Example:443/mod/lti/services.php") == "https://moodle.example"
    assert origin("http://localhost:8081/ags/lineitems") == "http://localhost:8081"
    assert origin("http://[::1]:80/x") == "http://[::1]"
    for bad in (None, "", "javascript:alert(1)", "https://x.test:99999/", "//no-scheme.test/",
                "https://canvas.instructure.com", "https://sso.canvaslms.com/api/lti/authorize_redirect"):
        assert origin(bad) is None, bad


def test_moodle_shaped_launch_names_the_issuer_first(client, platform):
    resp, _, _ = platform.launch(client)
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert _origins(page)[0] == "https://lms.test"


def test_canvas_page_origin_is_the_institutions_domain_not_the_shared_issuer(client, app):
    claims = json.loads((FIXTURES / "canvas/id_token_resource_link_student.json").read_text())
    canvas = TestPlatform(issuer="https://canvas.instructure.com", client_id="10000000000042", deployment_id="d-42")
    canvas.register(app)
    try:
        resp, _, _ = canvas.launch(client, claims_overrides={AGS: claims[AGS], NRPS: claims[NRPS],
                                                             LTI + "launch_presentation": claims[LTI + "launch_presentation"]})
    finally:
        canvas.server.stop()
    assert resp.status_code == 303, resp.get_data(as_text=True)
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert _origins(page) == ["https://esu.instructure.com"]


def test_a_page_change_is_told_by_fetch_metadata(client, platform):
    resp, _, _ = platform.launch(client)
    url = resp.headers["Location"]
    ours = client.get(url, headers={"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"}).get_data(as_text=True)
    assert 'data-page-change="1"' in ours
    launch = client.get(url, headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}).get_data(as_text=True)
    assert 'data-page-change="0"' in launch
    old_browser = client.get(url).get_data(as_text=True)
    assert "data-page-change" not in old_browser  # rapport.js falls back to the referrer


def test_origins_are_read_once_per_link_within_their_ttl(client, platform, app, monkeypatch):
    """Every student page asks for the LMS origins; a process reads them at most every
    ORIGINS_TTL seconds per link, and reads again once that has passed."""
    from lti_tool.extensions import db
    from lti_tool.models import ResourceLink
    from lti_tool.services import lms_frame
    from tests.support.queries import counting
    platform.launch(client)
    clock = [1000.0]
    monkeypatch.setattr(lms_frame.time, "monotonic", lambda: clock[0])
    with app.app_context():
        link_id = db.session.execute(db.select(ResourceLink.id)).scalar_one()
        with counting(db.engine) as log:
            first = lms_frame.lms_origins(link_id)
            assert lms_frame.lms_origins(link_id) == first and first[0] == "https://lms.test"
        assert len(log.statements) == 1
        db.session.execute(db.update(ResourceLink).values(lineitems_url="https://moved.example/ags"))
        db.session.commit()
        clock[0] += lms_frame.ORIGINS_TTL + 1
        with counting(db.engine) as log:
            assert "https://moved.example" in lms_frame.lms_origins(link_id)
        assert len(log.statements) == 1
