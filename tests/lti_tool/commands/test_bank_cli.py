"""rapport bank import | export, run as a real subprocess."""
import io
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from tests.lti_tool.test_cli import run

FIXTURES = Path(__file__).parents[2] / "fixtures" / "question-banks"


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    path = tmp_path_factory.mktemp("bankcli")
    r = run(["db", "upgrade"], path)
    assert r.returncode == 0, r.stderr
    return path


def _rows(instance, sql):
    with sqlite3.connect(instance / "rapport.db") as db:
        return db.execute(sql).fetchall()


def _one_line_error(r):
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert r.returncode == 1 and len(lines) == 1 and lines[0].startswith("rapport: error: "), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


def test_moodle_export_imports_by_category_and_reports_the_rest(instance):
    r = run(["bank", "import", str(FIXTURES / "nurs210-mental-health.xml"), "--topic", "alliance-foundations"],
            instance)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert re.search(r'nurs210-mental-health\.xml:\d+: "Reflect on a rupture": skipped: essay: ', out)
    assert "imported 36 items into collections 'Mental health/Alliance', 'Mental health/Boundaries', " \
           "'Mental health/Communication', 'imported' (0 already present); 11 skipped" in out
    counts = dict(_rows(instance, "select collection, count(*) from bank_item where item_id like "
                                  "'imp-nurs210-mental-health-%' group by collection"))
    assert counts == {"Mental health/Alliance": 9, "Mental health/Boundaries": 9,
                      "Mental health/Communication": 17, "imported": 1}
    # our writing rules are warnings for an imported collection: lint passes, --strict does not
    r = run(["bank", "lint", "--collection", "Mental health/Alliance"], instance)
    assert r.returncode == 0, r.stderr
    assert "db:Mental health/Alliance:0: imp-nurs210-mental-health-004: warning: options 'a': technique is missing" \
        in r.stdout and "0 error(s)" in r.stderr
    assert run(["bank", "lint", "--strict", "--collection", "Mental health/Alliance"], instance).returncode == 1
    assert "linted from its YAML" in _one_line_error(run(["bank", "lint", "--collection", "bundled"], instance))


def test_strict_and_dry_run_write_nothing(instance):
    f = str(FIXTURES / "nurs210-communication.gift")
    r = run(["bank", "import", f, "--topic", "empathy", "--strict", "--collection", "strict"], instance)
    line = _one_line_error(r)
    assert line.startswith("rapport: error: nothing imported: nurs210-communication.gift:")
    r = run(["bank", "import", f, "--topic", "empathy", "--dry-run", "--collection", "dry"], instance)
    assert r.returncode == 0 and "dry run: 9 question(s) to import, 5 skipped" in r.stdout
    assert _rows(instance, "select count(*) from bank_item where collection in ('strict', 'dry')") == [(0,)]


def test_qti_package_imports_its_case_study_in_order(instance, tmp_path):
    pkg = tmp_path / "ptsd.zip"
    src = FIXTURES / "qti3-ptsd-telehealth"
    with zipfile.ZipFile(pkg, "w") as z:
        for p in sorted(src.rglob("*.xml")):
            z.write(p, p.relative_to(src).as_posix())
    r = run(["bank", "import", str(pkg), "--topic", "special-situations", "--collection", "veterans"], instance)
    assert r.returncode == 0, r.stderr
    assert "imported 6 items into collection 'veterans'" in r.stdout
    rows = _rows(instance, "select item_id, case_study, case_position from bank_item "
                           "where collection = 'veterans' and case_study is not null order by case_position")
    assert rows == [(f"imp-ptsd-00{i}", "imp-ptsd-stim-veteran", i) for i in range(1, 5)]
    out = tmp_path / "veterans.zip"
    r = run(["bank", "export", "--format", "qti", str(out), "--collection", "veterans"], instance)
    assert r.returncode == 0, r.stderr
    assert "exported 6 items" in r.stdout
    assert "stimuli/imp-ptsd-stim-veteran.xml" in zipfile.ZipFile(io.BytesIO(out.read_bytes())).namelist()


@pytest.mark.parametrize("content, name, expect", [
    (b"<quiz><question type='multichoice'>", "broken.xml", "nothing imported: broken.xml:1: xml: not well-formed"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY a "aaaa">]>\n<quiz>&a;</quiz>', "bomb.xml",
     "nothing imported: bomb.xml:2: xml: DTDs are not accepted"),
    (b"just some words", "notes.dat", "nothing imported: cannot tell the format of notes.dat"),
    (b"::Essay:: Write. {}\n", "essay.gift", "nothing imported: essay.gift holds no question Rapport can serve"),
])
def test_failures_are_one_line_and_write_nothing(instance, tmp_path, content, name, expect):
    f = tmp_path / name
    f.write_bytes(content)
    before = _rows(instance, "select count(*) from bank_item")
    line = _one_line_error(run(["bank", "import", str(f), "--topic", "empathy"], instance))
    assert expect in line
    assert _rows(instance, "select count(*) from bank_item") == before


def test_unknown_topic_and_missing_topic_are_one_line(instance):
    f = str(FIXTURES / "nurs210-mental-health.xml")
    assert "--topic 'astrology' is not one of" in _one_line_error(
        run(["bank", "import", f, "--topic", "astrology"], instance))
    assert "pass a topic for the import" in _one_line_error(run(["bank", "import", f], instance))


def test_export_to_an_unwritable_path_is_one_line(instance, tmp_path):
    line = _one_line_error(run(["bank", "export", "--format", "qti", str(tmp_path / "no" / "such" / "x.zip")],
                               instance))
    assert "nothing exported: cannot write" in line


def test_reimport_leaves_identical_questions_and_reports_changed_ones(instance, tmp_path):
    f = tmp_path / "reimport.xml"
    original = (FIXTURES / "nurs210-mental-health.xml").read_text()
    f.write_text(original)
    args = ["bank", "import", str(f), "--topic", "alliance-foundations", "--collection", "again"]
    assert run(args, instance).returncode == 0
    r = run(args, instance)                       # the same file again: nothing new, nothing refused
    assert r.returncode == 0, r.stderr
    assert "imported 0 items into collection 'again' (36 already present)" in r.stdout
    assert re.search(r"reimport\.xml:\d+: imp-reimport-001: already present \(same id, version and content\)",
                     r.stdout) and "... and 26 more already present" in r.stdout
    # one question edited without a new version: reported with the fix, the rest stays as it was
    f.write_text(original.replace("You all say you care, then you hold people down.",
                                  "You all say you care, then you restrain people."))
    r = run(args, instance)
    assert r.returncode == 0, r.stderr
    line = re.search(r"  (reimport\.xml:\d+: imp-reimport-002: content changed but version 1 is already "
                     r"stored: not imported; give it version 2 .*)", r.stdout)
    assert line, r.stdout
    assert "imported 0 items into collection 'again' (35 already present, 1 not imported" in r.stdout
    stems = _rows(instance, "select definition from bank_item where item_id = 'imp-reimport-002'")
    assert len(stems) == 1 and "hold people down" in stems[0][0]
    # --strict refuses the whole file (here the skipped essays alone would; tests/lti_tool/services/
    # test_bank_store.py checks a changed question alone refuses it)
    assert _one_line_error(run(args + ["--strict"], instance)).startswith("rapport: error: nothing imported: ")
