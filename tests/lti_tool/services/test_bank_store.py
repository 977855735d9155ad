"""Items in the database: versions never rewrite the past; imports are all-or-nothing."""
import copy

import pytest
import yaml

from lti_tool.extensions import db
from lti_tool.models import Attempt, BankItem
from lti_tool.services import attempts, bank_store
from question_bank.bank import BankError, load_bank


def _write(tmp_path, items):
    p = tmp_path / "bank.yaml"
    p.write_text(yaml.safe_dump({"items": items}, sort_keys=False))
    return p


def test_new_version_becomes_current_and_old_attempts_keep_theirs(client, platform, app, tmp_path):
    resp, _, _ = platform.launch(client)
    with app.app_context():
        attempt = db.session.execute(db.select(Attempt)).scalar_one()
        served = next(i for i in attempt.items if i.bank_item.type == "multiple_choice")
        item_id, old_row = served.bank_item.item_id, served.bank_item_id
        d = copy.deepcopy(load_bank().items[item_id].definition)
        old_key = d["key"]
        old_version = d["version"]
        d["version"] = old_version + 1
        d["key"] = next(o["id"] for o in d["options"] if o["id"] != old_key)  # a different key in v2
        counts = bank_store.sync_bundled([_write(tmp_path, [d])])
        assert counts == {"added": 1, "unchanged": 0}
        rows = db.session.execute(db.select(BankItem).filter_by(item_id=item_id).order_by(BankItem.version)).scalars().all()
        assert [(r.version, r.current) for r in rows] == [(old_version, False), (old_version + 1, True)]
        # the served attempt still grades against the old version
        attempts.save_response(attempt, served.position, 1, old_key)
        attempts.submit(attempt.id)
        graded = db.session.get(Attempt, attempt.id)
        item = next(i for i in graded.items if i.position == served.position)
        assert item.bank_item_id == old_row and item.points == 1


def test_changed_content_without_a_version_bump_is_refused(app, tmp_path):
    with app.app_context():
        item = next(iter(load_bank().items.values()))
        d = copy.deepcopy(item.definition)
        d["stem"] = d["stem"] + " Edited."
        with pytest.raises(bank_store.BankSyncError, match="bump its version"):
            bank_store.sync_bundled([_write(tmp_path, [d])])
        # whitespace reflow alone is not a change
        d2 = copy.deepcopy(item.definition)
        d2["stem"] = "  " + d2["stem"].replace(" ", "\n ", 1)
        assert bank_store.sync_bundled([_write(tmp_path, [d2])]) == {"added": 0, "unchanged": 1}


def test_import_is_all_or_nothing(app):
    bank = load_bank()
    good = copy.deepcopy(next(i for i in bank.items.values() if not i.case_study).definition)
    good["id"] = "imp-test-001"
    bad = copy.deepcopy(good)
    bad["id"] = "imp-test-002"
    bad["key"] = "zz"
    with app.app_context():
        with pytest.raises(BankError):
            bank_store.import_dicts([good, bad], "unit3", "upload.xml")
        assert db.session.execute(db.select(BankItem).filter_by(collection="unit3")).first() is None
        assert bank_store.import_dicts([good], "unit3", "upload.xml") == {
            "added": 1, "unchanged": 0, "present": [], "changed": []}
        items, _ = bank_store.drawable(["unit3"])
        assert [i.id for i in items] == ["imp-test-001"]


def test_reimport_skips_identical_items_and_reports_changed_ones_unless_strict(app):
    bank = load_bank()
    base = dict(copy.deepcopy(next(i for i in bank.items.values() if not i.case_study).definition), version=1)
    a, b = dict(base, id="imp-re-001"), dict(base, id="imp-re-002")
    with app.app_context():
        assert bank_store.import_items([a, b], "f.xml", "unit4")["added"] == 2
        b2 = dict(b, stem=b["stem"] + " (edited)")
        c = dict(base, id="imp-re-003")
        with pytest.raises(bank_store.BankSyncError, match="imp-re-002: content changed but version 1"):
            bank_store.import_items([a, b2, c], "f.xml", "unit4", lines={"imp-re-002": 40}, strict=True)
        assert db.session.execute(db.select(BankItem).filter_by(item_id="imp-re-003")).first() is None
        counts = bank_store.import_items([a, b2, c], "f.xml", "unit4", lines={"imp-re-002": 40})
        assert counts["added"] == 1 and counts["present"] == ["imp-re-001"]
        assert counts["changed"] == ["f.xml:40: imp-re-002: content changed but version 1 is already stored: "
                                     "not imported; give it version 2 (or a new id) and import again"]
        stored = db.session.execute(db.select(BankItem).filter_by(item_id="imp-re-002")).scalar_one()
        assert "(edited)" not in stored.definition["stem"]
        # with the version bumped it imports and becomes current
        assert bank_store.import_items([dict(b2, version=2)], "f.xml", "unit4")["added"] == 1
