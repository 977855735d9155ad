"""QTI 3.0 exports are valid against IMS's XML schemas (lxml), for every item type, case study,
formatted question and image: the items, stimuli and test against the ASI schema, the manifest
against the QTI 3.0 content-packaging schema. The schemas and their origin are in
tests/fixtures/qti3-xsd/README.md."""
import base64
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from question_bank.bank import load_bank
from question_bank.formats import export_items, import_bytes
from question_bank.types import REGISTRY
from tests.question_bank.formats.files import roundtrip_case, roundtrip_items  # noqa: F401 (fixtures)

XSD = Path(__file__).parents[2] / "fixtures" / "qti3-xsd"
# Rapport's own data attributes (the base ASI schema's HTML5 data-* extension, which the
# profile we validate against removes: see the README). Only these are taken off before validating.
OURS = {"data-technique", "data-segment"}
STAND_INS = {"xlink.xsd": "w3/xlink-stub.xsd", "mathml3/mathml3.xsd": "w3/mathml-stub.xsd",
             "ssml11/ssmlv1p1-core.xsd": "w3/ssml-stub.xsd"}


class _Local(etree.Resolver):
    def resolve(self, url, pubid, context):
        for tail, local in STAND_INS.items():
            if url.endswith(tail):
                return self.resolve_filename(str(XSD / local), context)
        return None


def _schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Local())
    return etree.XMLSchema(etree.parse(str(XSD / "qtiv3p0" / name), parser))


@pytest.fixture(scope="module")
def schemas():
    return {"asi": _schema("imsqti_asiv3p0_sbacv1p0_v1p0.xsd"), "cp": _schema("imsqtiv3p0_imscpv1p2_v1p0.xsd")}


def invalid(package: bytes, schemas) -> dict[str, list[str]]:
    """Schema errors per XML member of a package ({} when valid); every file the manifest lists must exist."""
    z = zipfile.ZipFile(io.BytesIO(package))
    names = set(z.namelist())
    errors = {}
    for name in sorted(n for n in names if n.endswith(".xml")):
        doc = etree.fromstring(z.read(name))
        for el in doc.iter():
            for k in [k for k in el.attrib if k.startswith("data-")]:
                assert k in OURS or k.startswith("data-rapport-"), f"{name}: unexpected attribute {k}"
                del el.attrib[k]
        schema = schemas["cp" if name == "imsmanifest.xml" else "asi"]
        if not schema.validate(doc):
            errors[name] = [f"{e.line}: {e.message}" for e in schema.error_log]
    manifest = etree.fromstring(z.read("imsmanifest.xml"))
    listed = {f.get("href") for f in manifest.iter("{*}file")}
    assert listed == names - {"imsmanifest.xml"}, "the manifest must list every file of the package"
    return errors


def test_the_whole_bank_exports_valid_qti(schemas):
    bank = load_bank()
    cases = [{"id": c.id, "version": c.version, "title": c.title, "topic": c.topic, "stimulus": c.stimulus,
              "items": list(c.item_ids)} for c in bank.case_studies.values()]
    items = [dict(i.definition) for i in bank.items.values()]
    assert {d["type"] for d in items} == set(REGISTRY) and cases
    assert invalid(export_items(items, "qti", cases).data, schemas) == {}


def test_every_type_and_a_case_study_from_the_samples(schemas, roundtrip_items, roundtrip_case):
    case, case_items = roundtrip_case
    result = export_items(roundtrip_items + case_items, "qti", [case])
    assert {d["type"] for d in roundtrip_items + case_items} == set(REGISTRY)
    assert invalid(result.data, schemas) == {}


PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def test_formatted_questions_and_their_images(schemas):
    text = ('<p>Read <strong>this</strong> &amp; <em>that</em>:</p><p><img src="@@PLUGINFILE@@/p.png" alt="Chart" '
            'width="10"></p><ul><li>one</li></ul><table><tr><th scope="col">BP</th></tr><tr><td>120</td></tr>'
            '</table><blockquote>Quote<br>line</blockquote><pre>code</pre>')
    xml = (f'<?xml version="1.0"?><quiz><question type="multichoice"><name><text>Q</text></name>'
           f'<questiontext format="html"><text><![CDATA[{text}]]></text><file name="p.png" encoding="base64">'
           f'{base64.b64encode(PNG).decode()}</file></questiontext><single>true</single>'
           '<answer fraction="100"><text>a</text><feedback><text>Because.</text></feedback></answer>'
           '<answer fraction="0"><text>b</text></answer><answer fraction="0"><text>c</text></answer>'
           '</question></quiz>').encode()
    items, report = import_bytes(xml, "moodle_xml", "rich.xml", topic="empathy")
    assert items[0]["media"]
    result = export_items(items, "qti", media=report.media)
    assert "media/" + next(iter(report.media))[:16] + ".png" in zipfile.ZipFile(io.BytesIO(result.data)).namelist()
    assert invalid(result.data, schemas) == {}


def test_the_check_can_fail(schemas, roundtrip_items):
    """A feedback without its qti-content-body (as exports wrote it before) is caught."""
    result = export_items(roundtrip_items[:1], "qti")
    z = zipfile.ZipFile(io.BytesIO(result.data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name.startswith("items/"):
                data = data.replace(b"<qti-content-body>", b"").replace(b"</qti-content-body>", b"")
            out.writestr(name, data)
    errors = invalid(buf.getvalue(), schemas)
    assert errors and "qti-content-body" in " ".join(next(iter(errors.values())))
