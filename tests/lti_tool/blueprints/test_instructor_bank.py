"""Instructor import/export page: dry run, import into the course's own collection, export;
staff only, and one course's imports never reach another course."""
import io
import re
import zipfile
from pathlib import Path

from lti_tool.extensions import db
from lti_tool.models import BankItem
from tests.lti_tool.blueprints.test_instructor_pages import _instructor, _student
from tests.support.platform import INSTRUCTOR

FIXTURES = Path(__file__).parents[2] / "fixtures" / "question-banks"
MOODLE = (FIXTURES / "nurs210-mental-health.xml").read_bytes()


def _upload(client, lt, data=MOODLE, name="nurs210.xml", action="check", **fields):
    form = {"lt": lt, "collection": "Week 3", "topic": "alliance-foundations", "format": "", "action": action,
            **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post("/instructor/bank/import", data=form, content_type="multipart/form-data")


def test_dry_run_reports_by_line_then_import_from_the_kept_copy(client, platform, app):
    lt = _instructor(client, platform)
    assert ">Import and export</a>" in client.get(f"/instructor/settings?lt={lt}").get_data(as_text=True)
    resp = _upload(client, lt)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "nothing imported yet" in page
    assert "36 question(s) can be imported, with 1 image(s)." in page and "11 skipped" in page
    assert re.search(r"Line \d+: <strong>Reflect on a rupture</strong>: essay: an essay needs a human grader", page)
    with app.app_context():
        assert db.session.execute(db.select(BankItem).where(BankItem.collection.like("Week 3%"))).first() is None
    kept = re.search(r'name="upload" value="([^"]+)"', page).group(1)
    resp = client.post("/instructor/bank/import", data={
        "lt": lt, "upload": kept, "filename": "nurs210.xml", "collection": "Week 3",
        "topic": "alliance-foundations", "format": "", "action": "import"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "36 question(s) added to “Week 3”" in page
    with app.app_context():
        rows = db.session.execute(db.select(BankItem).where(BankItem.collection.like("Week 3%"))).scalars().all()
        assert len(rows) == 36
        assert {r.collection for r in rows} == {f"Week 3 [c{_context_id(app)}]"}
        assert all(r.item_id.startswith(f"c{_context_id(app)}-imp-nurs210-") for r in rows)
    # the course's settings offer its collection
    assert f"Week 3 [c{_context_id(app)}]" in client.get(f"/instructor/settings?lt={lt}").get_data(as_text=True)


def _context_id(app):
    from lti_tool.models import Context
    with app.app_context():
        return db.session.execute(db.select(Context.id)).scalars().first()


def test_another_course_neither_sees_nor_exports_the_import(client, platform, app):
    lt = _instructor(client, platform)
    assert _upload(client, lt, action="import").status_code == 200
    with app.app_context():
        mine = db.session.execute(db.select(BankItem.collection).where(
            BankItem.collection.like("Week 3%"))).scalars().first()
    other, _, _ = platform.launch(client, sub="teacher-2", roles=(INSTRUCTOR,), context_id="course-2",
                                  link_id="link-2")
    lt2 = re.search(r"lt=([^&]+)", other.headers["Location"]).group(1)
    assert mine not in client.get(f"/instructor/settings?lt={lt2}").get_data(as_text=True)
    assert mine not in client.get(f"/instructor/bank/?lt={lt2}").get_data(as_text=True)
    assert client.post("/instructor/bank/export", data={"lt": lt2, "collection": mine, "format": "qti"}).status_code == 404
    # the owner can export it
    resp = client.post("/instructor/bank/export", data={"lt": lt, "collection": mine, "format": "qti"})
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert 'filename="Week-3.zip"' in resp.headers["Content-Disposition"]
    assert "imsmanifest.xml" in zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    # and import the same file again into a second collection without touching the first
    assert _upload(client, lt2, action="import", collection="Week 3").status_code == 200
    with app.app_context():
        assert len(db.session.execute(db.select(BankItem).where(BankItem.collection == mine)).all()) == 36


def test_bad_uploads_are_refused_with_the_fix_and_nothing_written(client, platform, app):
    lt = _instructor(client, platform)
    cases = [
        (dict(data=b"<quiz><question", name="broken.xml"), "broken.xml:1: xml: not well-formed"),
        (dict(data=b'<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY a "b">]>\n<quiz>&a;</quiz>', name="bomb.xml"),
         "DTDs are not accepted"),
        (dict(data=b"some words", name="notes.dat"), "Cannot tell the format of notes.dat"),
        (dict(data=None), "Choose a file to import."),
        (dict(data=b"x" * (2 * 1024 * 1024 + 1), name="big.gift"), "larger than 2 MB"),
        (dict(collection=""), "Name the collection"),
        (dict(topic="astrology"), "Choose a topic from the list."),
        (dict(data=b"::E:: Essay {}\n", name="e.gift", action="import"), "holds no question Rapport can serve"),
    ]
    for kw, message in cases:
        resp = _upload(client, lt, **kw)
        assert resp.status_code == 400, message
        assert message in resp.get_data(as_text=True), message
        assert 'role="alert"' in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(BankItem).where(BankItem.collection != "bundled")).first() is None


def test_students_cannot_use_the_page(client, platform):
    _, lt = _student(client, platform)
    assert client.get(f"/instructor/bank/?lt={lt}").status_code == 403
    assert _upload(client, lt, action="import").status_code == 403
    assert client.post("/instructor/bank/export", data={"lt": lt, "collection": "bundled", "format": "qti"}).status_code == 403


def test_importing_again_keeps_what_is_there_and_names_what_changed(client, platform, app):
    lt = _instructor(client, platform)
    assert _upload(client, lt, action="import").status_code == 200
    page = _upload(client, lt, action="import").get_data(as_text=True)
    assert "0 question(s) added to “Week 3”, 36 already there." in page
    changed = MOODLE.replace(b"You all say you care, then you hold people down.", b"You all say you care.")
    resp = _upload(client, lt, data=changed, action="import")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "35 already there, 1 not imported because they changed" in page
    assert "Not imported: changed since the last import" in page
    assert re.search(r"<li>Line \d+: c\d+-imp-nurs210-002: content changed but version 1 is already stored: not imported; "
                     r"give it version 2", page)
