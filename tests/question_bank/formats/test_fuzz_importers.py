"""Fuzzing every importer (hypothesis): Moodle XML, GIFT, QTI (single item and zip package) and
the YAML bank loader. Whatever the bytes, the result is a list of valid items or one clean
error (FormatError / the bank's problems); never another exception, and never a hang.

Three kinds of input per format: random bytes, mutations of the real sample files (flipped,
cut, spliced), and grammar-shaped documents built from the format's own tokens, which reach
deeper than random bytes. Attack files (XML bombs, external entities, zip bombs, YAML alias
bombs) have their own tests at the end.
"""
from __future__ import annotations

import io
import signal
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from question_bank.bank import load_bank
from question_bank.formats import FormatError, import_bytes

SAMPLES = Path(__file__).parent / "samples"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True, database=None)
# A hang guard, not a speed test: a parser stuck this long is looping or expanding without bound.
HANG_SECONDS = 20


class Hang(Exception):
    pass


@contextmanager
def no_hang():
    def fire(signum, frame):
        raise Hang(f"importer still running after {HANG_SECONDS} s")
    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def import_or_clean_error(data: bytes, fmt: str, name: str):
    """The importer's whole contract in one place: items, or a FormatError naming the file."""
    with no_hang():
        try:
            items, report = import_bytes(data, fmt, name, topic="empathy")
        except FormatError as e:
            assert str(e).startswith(name), f"error does not name the file: {e}"
            assert "\n" not in str(e).strip() or len(str(e)) < 5000
            return None
    assert isinstance(items, list) and report.imported == len(items)
    for d in items:
        assert isinstance(d, dict) and d.get("id") and d.get("type")
    return items


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


XML_SAMPLES = {"moodle_xml": ["moodle_basic.xml", "moodle_bad_key.xml"],
               "qti": ["qti3_choice.xml", "qti3_cloze.xml", "qti3_match.xml", "qti3_order.xml",
                       "qti3_select.xml", "qti21_choice.xml"]}
GIFT_SAMPLES = ["basic.gift", "bad_truefalse.gift", "bad_unclosed.gift"]


@st.composite
def mutated(draw, seeds: list[bytes]):
    """A real file, then a few edits: overwrite, insert, delete a span, or splice another file in."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "splice", "truncate"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from([b"<", b">", b"&", b"&amp;", b"\x00", b"\xff\xfe", b"]]>",
                                                  b"<![CDATA[", b"{", b"}", b"=", b"~", b"#", b"%", b"->",
                                                  b"::", b"\\", b"\n\n", b"%-100%", b"%1e309%", b"nan",
                                                  b'fraction="1e999"', b'fraction="nan"', b"\xe2\x80\x8b"]))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "splice":
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, max(len(other) - 1, 0)))
            data[pos:pos] = other[start:start + draw(st.integers(1, 200))]
        elif op == "truncate":
            del data[pos:]
    return bytes(data)


# --- Moodle XML ---------------------------------------------------------------

NUMBERS = st.sampled_from(["100", "0", "-100", "50", "33.33333", "-50", "nan", "inf", "-inf", "1e309", "",
                           " 100 ", "100%", "abc", "0x10", "-0", "1_000", "٣"])
TEXTS = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


def xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@st.composite
def moodle_documents(draw):
    qtype = draw(st.sampled_from(["multichoice", "truefalse", "ordering", "gapselect", "ddwtos", "matching",
                                  "shortanswer", "essay", "category", "description", "", "multichoiceset"]))
    parts = [f'<question type="{qtype}">']
    if draw(st.booleans()):
        parts.append(f"<name><text>{xml_escape(draw(TEXTS))}</text></name>")
    if draw(st.booleans()):
        fmt = draw(st.sampled_from(["html", "moodle_auto_format", "plain_text", "markdown", ""]))
        parts.append(f'<questiontext format="{fmt}"><text>{xml_escape(draw(TEXTS))}</text></questiontext>')
    for _ in range(draw(st.integers(0, 6))):
        tag = draw(st.sampled_from(["answer", "subquestion", "selectoption", "dragbox"]))
        parts.append(f'<{tag} fraction="{draw(NUMBERS)}"><text>{xml_escape(draw(TEXTS))}</text>'
                     f'<feedback><text>{xml_escape(draw(TEXTS))}</text></feedback>'
                     f'<group>{draw(NUMBERS)}</group></{tag}>')
    for tag in draw(st.lists(st.sampled_from(["single", "shuffleanswers", "answernumbering", "layouttype",
                                              "defaultgrade", "penalty", "idnumber"]), max_size=4)):
        parts.append(f"<{tag}>{xml_escape(draw(TEXTS))}</{tag}>")
    if draw(st.booleans()):
        tags = draw(st.lists(st.sampled_from(["topic:empathy", "topic:", "id:x", "id:", "technique:a=reflection",
                                              "technique:", "cjmm-skill:take-action", "bloom:apply", ":", "",
                                              "difficulty:hard", "difficulty:"]), max_size=5))
        parts.append("<tags>" + "".join(f"<tag><text>{xml_escape(t)}</text></tag>" for t in tags) + "</tags>")
    parts.append("</question>")
    body = "".join(parts) * draw(st.integers(1, 3))
    return f'<?xml version="1.0" encoding="UTF-8"?><quiz>{body}</quiz>'.encode()


@FUZZ
@given(st.binary(max_size=2048))
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"<quiz/>")
@example(b"<quiz><question type='multichoice'/></quiz>")
@example(b'<?xml version="1.0" encoding="TF-8"?><quiz/>')  # found by a deep run: unknown codec
def test_moodle_xml_random_bytes(data):
    import_or_clean_error(data, "moodle_xml", "fuzz.xml")


@FUZZ
@given(mutated([sample(n) for n in XML_SAMPLES["moodle_xml"]]))
def test_moodle_xml_mutated_samples(data):
    import_or_clean_error(data, "moodle_xml", "fuzz.xml")


@FUZZ
@given(moodle_documents())
def test_moodle_xml_grammar(data):
    import_or_clean_error(data, "moodle_xml", "fuzz.xml")


# --- GIFT -----------------------------------------------------------------------

GIFT_TOKENS = ["::", "::Title::", "{", "}", "=", "~", "#", "####", "%50%", "%-50%", "%100%", "%abc%", "%",
               "->", "TRUE", "FALSE", "T", "F", "$CATEGORY: top/x", "// [id:x] [tag:topic:empathy]",
               "// [tag:technique:a=reflection]", "[html]", "[markdown]", "\\{", "\\}", "\\=", "\\~", "\\#",
               "\\:", "\\", "\n", "\n\n", " ", "answer", "Stem text", "\t", "\r\n", "{#1:2}", "{=a ~b}",
               "\u00e9", "\u200b", "::::", "{}", "=%0%", "~%", "[id:]", "// [tag:]"]


@FUZZ
@given(st.binary(max_size=2048))
@example(b"")
@example(b"{")
@example(b"::a::{")
@example(b"\xff\xfe")
def test_gift_random_bytes(data):
    import_or_clean_error(data, "gift", "fuzz.gift")


@FUZZ
@given(mutated([sample(n) for n in GIFT_SAMPLES]))
def test_gift_mutated_samples(data):
    import_or_clean_error(data, "gift", "fuzz.gift")


@FUZZ
@given(st.lists(st.sampled_from(GIFT_TOKENS), max_size=60))
def test_gift_grammar(tokens):
    import_or_clean_error("".join(tokens).encode(), "gift", "fuzz.gift")


# --- QTI ------------------------------------------------------------------------

@FUZZ
@given(st.binary(max_size=2048))
@example(b"PK\x03\x04")
@example(b"<qti-assessment-item/>")
@example(b'<?xml version="1.0" encoding="no-such-codec"?><qti-assessment-item/>')
@example(b"<assessmentItem xmlns='http://www.imsglobal.org/xsd/imsqti_v2p1'/>")
def test_qti_random_bytes(data):
    import_or_clean_error(data, "qti", "fuzz.xml")


@FUZZ
@given(mutated([sample(n) for n in XML_SAMPLES["qti"]]))
def test_qti_mutated_samples(data):
    import_or_clean_error(data, "qti", "fuzz.xml")


def package(files: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


@FUZZ
@given(mutated([package({"item1.xml": sample("qti3_choice.xml"), "item2.xml": sample("qti3_order.xml")})]))
def test_qti_mutated_packages(data):
    """Flipped bytes inside a zip: bad CRCs, impossible sizes, broken headers."""
    import_or_clean_error(data, "qti", "fuzz.zip")


@FUZZ
@given(st.dictionaries(st.sampled_from(["imsmanifest.xml", "a.xml", "b.xml", "../../etc/passwd.xml", "/abs.xml",
                                        "dir/c.xml", "d.txt"]),
                       st.sampled_from([sample("qti3_choice.xml"), b"", b"<x/>", b"\x00" * 10,
                                        b'<manifest><resources><resource type="imsqti_item_xmlv3p0" href="a.xml"/>'
                                        b'<resource type="imsqti_item_xmlv3p0" href="missing.xml"/></resources></manifest>',
                                        b'<manifest><resource type="imsqti_item" href="../../etc/passwd.xml"/></manifest>']),
                       max_size=4))
def test_qti_package_structure(files):
    import_or_clean_error(package(files), "qti", "fuzz.zip")


# --- YAML bank ------------------------------------------------------------------

JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXTS,
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXTS, inner, max_size=4),
                       max_leaves=20)
ITEM_KEYS = ["id", "version", "type", "stem", "stimulus", "options", "key", "rationale", "tags", "topic",
             "blanks", "rows", "columns", "slots", "family", "shuffle", "tokens", "points"]


@st.composite
def bank_documents(draw):
    items = draw(st.lists(st.dictionaries(st.sampled_from(ITEM_KEYS), JSONISH, max_size=8), max_size=3))
    doc = {"items": items}
    if draw(st.booleans()):
        doc["case_studies"] = draw(st.lists(st.dictionaries(st.sampled_from(["id", "title", "topic", "stimulus",
                                                                             "items", "unfolds"]), JSONISH,
                                                            max_size=5), max_size=2))
    return yaml.safe_dump(doc, allow_unicode=True)


def load_or_problems(text: bytes | str, tmp_path: Path):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    with no_hang():
        bank = load_bank([path])
    for p in bank.problems:
        assert str(p), "a problem without a message"
    return bank


@FUZZ
@given(bank_documents())
def test_yaml_bank_structured(tmp_path_factory, doc):
    load_or_problems(doc, tmp_path_factory.mktemp("y"))


@FUZZ
@given(mutated([sample("roundtrip_items.yaml")]))
def test_yaml_bank_mutated_sample(tmp_path_factory, data):
    load_or_problems(data, tmp_path_factory.mktemp("y"))


@FUZZ
@given(st.binary(max_size=1024))
@example(b"items: [")
@example(b"items: !!python/object/apply:os.system ['true']")
@example(b"items:\n  - &a [*a]")
def test_yaml_bank_random_bytes(tmp_path_factory, data):
    load_or_problems(data, tmp_path_factory.mktemp("y"))


# --- attack files -------------------------------------------------------------

_ENTITIES = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
BILLION_LAUGHS = (f'<?xml version="1.0"?><!DOCTYPE quiz [{"".join(_ENTITIES)}]>'
                  '<quiz><question type="multichoice"><name><text>&lol9;</text></name></question></quiz>').encode()
XXE = (b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<quiz><question type="multichoice"><name><text>&xxe;</text></name></question></quiz>')
PARAMETER_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd">%remote;]>'
                    b"<quiz/>")
QUADRATIC_BLOWUP = (b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "' + b"x" * 50000 + b'">]><quiz>'
                    + b"&a;" * 50000 + b"</quiz>")
ATTACKS = {"billion laughs": BILLION_LAUGHS, "external entity": XXE, "parameter entity": PARAMETER_ENTITY,
           "quadratic blowup": QUADRATIC_BLOWUP,
           "billion laughs sample": sample("billion_laughs.xml"), "external entity sample": sample("external_entity.xml")}


@pytest.mark.parametrize("fmt", ["moodle_xml", "qti"])
@pytest.mark.parametrize("name", list(ATTACKS))
def test_xml_attacks_are_refused_cleanly(fmt, name):
    assert import_or_clean_error(ATTACKS[name], fmt, "attack.xml") is None


@pytest.mark.parametrize("name", list(ATTACKS))
def test_xml_attacks_inside_a_qti_package(name):
    data = package({"imsmanifest.xml": b"<manifest/>", "item.xml": ATTACKS[name]})
    assert import_or_clean_error(data, "qti", "attack.zip") is None
    data = package({"imsmanifest.xml": ATTACKS[name], "item.xml": sample("qti3_choice.xml")})
    assert import_or_clean_error(data, "qti", "attack.zip") is None


def test_zip_bomb_is_refused_before_inflating():
    """200 MB of zeros deflates to ~200 KB; the package's declared sizes refuse it unread."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("item.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(200):
                f.write(chunk)
    assert import_or_clean_error(buf.getvalue(), "qti", "bomb.zip") is None


def test_zip_that_lies_about_its_size_is_refused():
    """A member whose header claims 10 bytes but inflates to far more is cut off, not inflated whole."""
    data = bytearray(package({"item.xml": b"<x>" + b"a" * 100000 + b"</x>"}))
    # Patch the declared uncompressed size (local header at 22, central directory entry at +24).
    small = (10).to_bytes(4, "little")
    data[22:26] = small
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = small
    assert import_or_clean_error(bytes(data), "qti", "liar.zip") is None


def test_encrypted_and_unsupported_zip_members_are_refused_cleanly():
    data = bytearray(package({"item.xml": sample("qti3_choice.xml")}, zipfile.ZIP_STORED))
    flags = data.rfind(b"PK\x01\x02") + 8
    data[flags] |= 1  # "encrypted"
    data[6] |= 1
    assert import_or_clean_error(bytes(data), "qti", "enc.zip") is None
    data = bytearray(package({"item.xml": sample("qti3_choice.xml")}, zipfile.ZIP_STORED))
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 10:cd + 12] = (99).to_bytes(2, "little")  # compression method 99 (AES), unsupported here
    data[8:10] = (99).to_bytes(2, "little")
    assert import_or_clean_error(bytes(data), "qti", "method.zip") is None


def test_oversized_files_are_refused_cleanly():
    from question_bank.formats.common import MAX_IMPORT_BYTES
    big = b"<quiz>" + b" " * (MAX_IMPORT_BYTES + 1) + b"</quiz>"
    for fmt in ("moodle_xml", "qti", "gift"):
        assert import_or_clean_error(big, fmt, "big.xml") is None


def test_deeply_nested_xml_is_refused_or_parsed_cleanly():
    deep = b"<quiz>" + b"<a>" * 100000 + b"</a>" * 100000 + b"</quiz>"
    for fmt in ("moodle_xml", "qti"):
        import_or_clean_error(deep, fmt, "deep.xml")


def test_yaml_alias_bomb_does_not_expand(tmp_path):
    """YAML's billion laughs: nine levels of nine aliases is 9^9 strings if anything walks it."""
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 9)}]" for i in range(1, 10)]
    doc = "\n".join(lines) + "\nitems:\n  - id: bomb\n    type: multiple_choice\n    stem: *a9\n    options: *a9\n"
    bank = load_or_problems(doc, tmp_path)
    assert "bomb" not in bank.items


def test_yaml_python_tags_are_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    doc = f"items:\n  - !!python/object/apply:os.system ['touch {marker}']\n"
    bank = load_or_problems(doc, tmp_path)
    assert not marker.exists() and bank.problems
