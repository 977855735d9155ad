"""Images of imported questions: stored per collection on import, shown in the question with
their alt text, served only to those who may see the question (blueprints/item_media.py)."""
import random
import re
from pathlib import Path

from lti_tool.extensions import db
from lti_tool.models import AttemptItem, BankItem, BankMedia
from lti_tool.services import bank_store
from tests.lti_tool.blueprints.test_instructor_bank import _upload
from tests.lti_tool.blueprints.test_instructor_pages import _instructor, _student
from tests.support.platform import INSTRUCTOR

FIXTURES = Path(__file__).parents[2] / "fixtures" / "question-banks"
ALT = "Nurse seated at an angle to the client, at eye level"


def _imported_picture(client, platform, app):
    lt = _instructor(client, platform)
    assert _upload(client, lt, action="import").status_code == 200
    with app.app_context():
        row = next(r for r in db.session.execute(db.select(BankItem).where(
            BankItem.collection.like("Week 3%"))).scalars() if r.definition.get("media"))
        (sha,) = row.definition["media"]
        media = db.session.execute(db.select(BankMedia)).scalars().all()
        assert [(m.collection, m.sha256, m.media_type) for m in media] == [(row.collection, sha, "image/png")]
        return lt, row.id, sha


def test_the_instructor_of_the_course_gets_the_image_and_no_one_else(client, platform, app):
    lt, row_id, sha = _imported_picture(client, platform, app)
    resp = client.get(f"/item-media/{row_id}/{sha}?lt={lt}")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.data.startswith(b"\x89PNG")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert client.get(f"/item-media/{row_id}/{'0' * 64}?lt={lt}").status_code == 404
    assert client.get(f"/item-media/{row_id}/not-a-sha?lt={lt}").status_code == 404
    assert client.get(f"/item-media/{row_id + 1}/{sha}?lt={lt}").status_code == 404   # a row without it
    assert client.get(f"/item-media/{row_id}/{sha}").status_code in (401, 403)
    other, _, _ = platform.launch(client, sub="teacher-2", roles=(INSTRUCTOR,), context_id="course-2",
                                  link_id="link-2")
    lt2 = re.search(r"lt=([^&]+)", other.headers["Location"]).group(1)
    assert client.get(f"/item-media/{row_id}/{sha}?lt={lt2}").status_code == 404


def test_a_student_sees_the_image_in_their_own_attempt_only(client, platform, app):
    _, row_id, sha = _imported_picture(client, platform, app)
    loc, lt = _student(client, platform)
    assert client.get(f"/item-media/{row_id}/{sha}?lt={lt}").status_code == 404    # not in their attempt
    aid = int(re.search(r"/attempt/(\d+)", loc).group(1))
    with app.app_context():                   # as if the draw had picked the imported question
        row = db.session.get(BankItem, row_id)
        first = db.session.execute(db.select(AttemptItem).where(
            AttemptItem.attempt_id == aid).order_by(AttemptItem.position)).scalars().first()
        first.bank_item_id, first.presentation = row_id, bank_store.item_type(row).start(random.Random(1))
        db.session.commit()
    page = client.get(f"/attempt/{aid}?lt={lt}").get_data(as_text=True)
    img = re.search(r'<img src="(/item-media/[^"]+)" alt="([^"]+)" width="240" height="160">', page)
    assert img and img.group(2) == ALT
    assert 'aria-labelledby="q1-num q1-stem"' in page and 'id="q1-stem"' in page
    url = img.group(1).replace("&amp;", "&")
    assert client.get(url).status_code == 200
    _, lt_other = _student(client, platform, sub="student-2")
    assert client.get(f"/item-media/{row_id}/{sha}?lt={lt_other}").status_code == 404


def test_a_later_case_part_keeps_its_image_until_the_student_reaches_it(client, platform, app):
    _, row_id, sha = _imported_picture(client, platform, app)
    loc, lt = _student(client, platform)
    aid = int(re.search(r"/attempt/(\d+)", loc).group(1))
    with app.app_context():           # the picture question as part 2 of a two-part case
        row = db.session.get(BankItem, row_id)
        row.definition = dict(row.definition, case={"id": "pic-case", "version": 1, "title": "Case", "stimulus": [],
                                                    "position": 2, "size": 2})
        items = db.session.execute(db.select(AttemptItem).where(AttemptItem.attempt_id == aid)
                                   .order_by(AttemptItem.position)).scalars().all()
        first, second = items[0], items[1]
        part1 = db.session.get(BankItem, first.bank_item_id)
        part1.definition = dict(part1.definition, case={"id": "pic-case", "version": 1, "title": "Case",
                                                        "stimulus": [], "position": 1, "size": 2})
        second.bank_item_id, second.presentation = row_id, bank_store.item_type(row).start(random.Random(1))
        first_id = first.id
        db.session.commit()
    assert client.get(f"/item-media/{row_id}/{sha}?lt={lt}").status_code == 404     # part 1 not locked yet
    with app.app_context():
        from lti_tool.models.base import utcnow
        db.session.get(AttemptItem, first_id).locked_at = utcnow()
        db.session.commit()
    assert client.get(f"/item-media/{row_id}/{sha}?lt={lt}").status_code == 200


def test_the_course_export_carries_the_images(client, platform, app):
    import io
    import zipfile
    lt, row_id, sha = _imported_picture(client, platform, app)
    with app.app_context():
        collection = db.session.get(BankItem, row_id).collection
    qti = client.post("/instructor/bank/export", data={"lt": lt, "collection": collection, "format": "qti"})
    names = zipfile.ZipFile(io.BytesIO(qti.data)).namelist()
    assert f"media/{sha[:16]}.png" in names
    moodle = client.post("/instructor/bank/export", data={"lt": lt, "collection": collection, "format": "moodle_xml"})
    assert f"@@PLUGINFILE@@/{sha[:16]}.png".encode() in moodle.data and b'encoding="base64"' in moodle.data
