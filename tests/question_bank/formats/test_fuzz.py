"""Fuzzing each importer: any input gives (items, report) or a clean FormatError, never
another exception. Hypothesis mutates real files (cut, splice, insert markup) as well as
feeding raw bytes; a hang would show as a test that does not finish."""
import io
import zipfile

from tests.question_bank.formats.files import FIXTURES, SAMPLES, zip_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from question_bank.formats import FormatError, import_bytes

MOODLE = (FIXTURES / "nurs210-mental-health.xml").read_bytes()
GIFT = (FIXTURES / "nurs210-communication.gift").read_bytes() + (SAMPLES / "basic.gift").read_bytes()
QTI_ITEM = (SAMPLES / "qti3_cloze.xml").read_bytes()
PACKAGE = zip_dir(FIXTURES / "qti3-ptsd-telehealth")
SNIPPETS = [b"<", b">", b"]]>", b"<![CDATA[", b"&amp;", b"&#0;", b"{", b"}", b"->", b"=", b"~", b"#",
            b"%-50%", b"::", b"\\", b"[[1]]", b"[[99]]", b"<p>", b"<img src=\"@@PLUGINFILE@@/x.png\">",
            b'fraction="abc"', b'fraction="1e309"', b"\x00", b"\xff", b"$CATEGORY:", b"\n\n", b"{T#",
            b"<!DOCTYPE x [<!ENTITY a \"b\">]>", b"<question type=\"matching\">", b"</question>",
            b"<qti-hottext identifier=\"z\">", b"<qti-value>", b"qti-match-interaction"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _mutate(data: bytes, cuts, inserts) -> bytes:
    out = data
    for pos, length in cuts:
        pos %= max(len(out), 1)
        out = out[:pos] + out[pos + length:]
    for pos, snippet in inserts:
        pos %= max(len(out), 1)
        out = out[:pos] + snippet + out[pos:]
    return out


mutations = st.tuples(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 400)), max_size=4),
    st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(SNIPPETS)), max_size=6))


def _import(data: bytes, fmt: str, strict: bool = False) -> None:
    try:
        items, report = import_bytes(data, fmt, "fuzz", topic="empathy", strict=strict)
    except FormatError as e:
        assert str(e).startswith("fuzz")
        return
    assert isinstance(items, list) and report.imported == len(items)
    for line in report.lines():
        assert line.startswith("fuzz")


@FUZZ
@given(mutations, st.booleans())
def test_moodle_xml_mutations(m, strict):
    _import(_mutate(MOODLE, *m), "moodle_xml", strict)


@FUZZ
@given(mutations, st.booleans())
def test_gift_mutations(m, strict):
    _import(_mutate(GIFT, *m), "gift", strict)


@FUZZ
@given(mutations)
def test_qti_item_mutations(m):
    _import(_mutate(QTI_ITEM, *m), "qti")


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(sorted(zipfile.ZipFile(io.BytesIO(PACKAGE)).namelist())), mutations),
                max_size=3))
def test_qti_package_member_mutations(changes):
    src = zipfile.ZipFile(io.BytesIO(PACKAGE))
    members = {n: src.read(n) for n in src.namelist()}
    for name, m in changes:
        members[name] = _mutate(members[name], *m)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    _import(buf.getvalue(), "qti")


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["moodle_xml", "gift", "qti"]))
def test_raw_bytes(data, fmt):
    _import(data, fmt)


@FUZZ
@given(st.text(max_size=2000), st.sampled_from(["moodle_xml", "gift"]))
def test_raw_text(text, fmt):
    _import(text.encode("utf-8", "surrogatepass") if False else text.encode("utf-8", "replace"), fmt)


@FUZZ
@given(mutations)
def test_truncated_zip(m):
    _import(_mutate(PACKAGE, *m), "qti")
