"""Formatting and images in imported question text (question_bank.formats.richtext)."""
import base64
import io
import struct
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from question_bank.bank import BankError, content_hash, item_from_dict
from question_bank.formats import export_items, import_bytes
from question_bank.formats import richtext as rt


def png(w=2, h=3) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        b"\xff\xc0\x00\x11\x08\x00\x20\x00\x40\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")
GIF = b"GIF89a\x05\x00\x07\x00\x80\x00\x00" + b"\x00" * 20
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def moodle(questiontext: str, files: dict[str, bytes] | None = None) -> bytes:
    f = "".join(f'<file name="{n}" path="/" encoding="base64">{base64.b64encode(b).decode()}</file>'
                for n, b in (files or {}).items())
    return (f'<?xml version="1.0"?><quiz><question type="multichoice"><name><text>Q</text></name>'
            f'<questiontext format="html"><text><![CDATA[{questiontext}]]></text>{f}</questiontext>'
            f'<single>true</single><answer fraction="100"><text>Yes</text></answer>'
            f'<answer fraction="0"><text>No</text></answer><answer fraction="0"><text>Maybe</text></answer>'
            f'</question></quiz>').encode()


def one(data: bytes, fmt="moodle_xml", name="q.xml"):
    items, report = import_bytes(data, fmt, name, topic="empathy")
    assert len(items) == 1, report.lines()
    return items[0], report


# --- images checked by content ---------------------------------------------------------

def test_sniff_reads_type_and_size_from_the_bytes():
    assert rt.sniff(png(2, 3)) == ("image/png", 2, 3)
    assert rt.sniff(JPEG) == ("image/jpeg", 64, 32)
    assert rt.sniff(GIF) == ("image/gif", 5, 7)


@pytest.mark.parametrize("data, why", [
    (SVG, "SVG is not accepted"),
    (b"GIF89a", "not a PNG"),                                  # too short to be a GIF
    (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 20, "JPEG"),   # no frame header
    (b"<html><script>alert(1)</script></html>", "not a PNG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "not a PNG"),         # the signature without a header
    (png(9000, 10), "each side must be"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (rt.MAX_IMAGE_BYTES + 1), "larger than"),
])
def test_sniff_refuses_what_is_not_a_served_image(data, why):
    with pytest.raises(rt.ImageRefused, match=why):
        rt.sniff(data)


def test_each_image_is_imported_missing_refused_or_undescribed_reported():
    text = ('<p>Chart: <img src="@@PLUGINFILE@@/chart.png" alt="Pulse over 3 days"></p>'
            '<p><img src="@@PLUGINFILE@@/room.jpg"> <img src="@@PLUGINFILE@@/evil.png" alt="Evil">'
            ' <img src="@@PLUGINFILE@@/gone.gif" alt="Gone"></p>')
    d, report = one(moodle(text, {"chart.png": png(), "room.jpg": JPEG, "evil.png": SVG}))
    shas = d["media"]
    assert len(shas) == 2 and set(report.media) == set(shas)
    assert [report.media[s].name for s in shas] == ["chart.png", "room.jpg"]
    assert f'<img src="media:{shas[1]}" alt="{rt.NO_ALT}">' in d["stem_html"]
    assert "[Image: Evil]" in d["stem_html"] and "[Image: Gone]" in d["stem_html"]
    reasons = [w.reason for w in report.warnings]
    assert any("'room.jpg' has no alt text" in r for r in reasons)
    assert any("'evil.png' not imported: SVG is not accepted" in r for r in reasons)
    assert any("'gone.gif' is referenced but the file holds no copy" in r for r in reasons)
    assert d["stem"] == ("Chart: [Image: Pulse over 3 days] [Image: no description] [Image: Evil] "
                         "[Image: Gone]")


def test_a_damaged_base64_copy_is_reported():
    data = moodle('<p>x <img src="@@PLUGINFILE@@/a.png" alt="A"></p><p>y</p>').replace(
        b"</text></questiontext>", b'</text><file name="a.png" encoding="base64">@@not base64@@</file></questiontext>')
    d, report = one(data)
    assert "media" not in d and "[Image: A]" in d["stem"]
    assert any("'a.png' not imported" in w.reason for w in report.warnings)


# --- hostile HTML ----------------------------------------------------------------------

HOSTILE = ('<p onclick="steal()" style="position:fixed">Which <strong onmouseover="x()">response</strong>'
           '<script>alert(1)</script> is <a href="javascript:alert(1)">best</a>?</p>'
           '<style>body{display:none}</style><iframe src="https://evil.example/"></iframe>'
           '<img src="x" onerror="alert(1)" alt="a"><img src="data:image/png;base64,AAAA" alt="b">'
           '<img src="https://evil.example/t.png" alt="c"><svg><script>alert(2)</script></svg>'
           '<ul><li class="x" id="y">One</li><li>Two<object data="x.swf"></object></li></ul>'
           '<form action="https://evil.example/"><input name="p"></form><math><mi>x</mi></math>')


def test_hostile_html_keeps_only_what_rapport_renders():
    d, report = one(moodle(HOSTILE))
    html = d["stem_html"]
    for bad in ("script", "onclick", "onmouseover", "onerror", "style", "javascript", "iframe", "evil",
                "data:", "<svg", "<a ", "class=", "id=", "<object", "<form", "<input", "alert"):
        assert bad not in html, bad
    assert html.startswith("<p>Which <strong>response</strong> is best?</p>")
    assert "<ul><li>One</li><li>Two</li></ul>" in html
    assert "media" not in d            # no image was really there
    assert "alert" not in d["stem"] and "body{" not in d["stem"]
    assert sum("is referenced but the file holds no copy" in w.reason for w in report.warnings) == 3


def test_the_bank_refuses_stem_html_that_is_not_sanitised():
    d, _ = one(moodle("<p>a <b>b</b></p>"))
    item_from_dict(d, imported=True)
    for bad in ('<p onclick="x()">a</p>', "<p>a</p><script>alert(1)</script>", '<img src="https://x/y.png" alt="">'):
        with pytest.raises(BankError, match="stem_html"):
            item_from_dict(dict(d, stem_html=bad), imported=True)
    with pytest.raises(BankError, match="media"):
        item_from_dict(dict(d, media=["0" * 64]), imported=True)


def test_render_sanitises_again_and_points_images_at_the_app():
    sha = "ab" * 32
    out = rt.render(f'<p onclick="x()">Hi</p><img src="media:{sha}" alt="A"><img src="/etc/passwd" alt="B">',
                    lambda s: f"/item-media/7/{s}?lt=t&x")
    assert out == f'<p>Hi</p><img src="/item-media/7/{sha}?lt=t&amp;x" alt="A">'
    assert rt.render(f'<p><img src="media:{sha}" alt="A"></p>', lambda s: None) == "<p>[Image: A]</p>"


def test_plain_paragraph_questions_get_no_stem_html():
    d, _ = one(moodle("<p>Just a question?</p>"))
    assert "stem_html" not in d and "media" not in d


# --- QTI packages and round trips ------------------------------------------------------

ITEM = '''<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="q1" title="Q1" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>A</qti-value></qti-correct-response></qti-response-declaration>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-prompt><p>Look at <img src="../images/face.png" alt="A frowning face"/> and
        <img src="../images/none.png" alt="Absent"/>.</p><p>Which <em>feeling</em>?</p></qti-prompt>
      <qti-simple-choice identifier="A">Anger</qti-simple-choice>
      <qti-simple-choice identifier="B">Joy</qti-simple-choice>
      <qti-simple-choice identifier="C">Calm</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
</qti-assessment-item>'''
MANIFEST = '''<?xml version="1.0"?><manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="m">
<resources><resource identifier="r1" type="imsqti_item_xmlv3p0" href="items/q1.xml"><file href="items/q1.xml"/></resource></resources></manifest>'''


def test_qti_package_images_are_read_from_the_package():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("imsmanifest.xml", MANIFEST)
        z.writestr("items/q1.xml", ITEM)
        z.writestr("images/face.png", png(4, 4))
    d, report = one(buf.getvalue(), "qti", "pack.zip")
    (sha,) = d["media"]
    assert report.media[sha].width == 4
    assert d["stem_html"] == (f'<p>Look at <img src="media:{sha}" alt="A frowning face"> and [Image: Absent].</p>'
                              "<p>Which <em>feeling</em>?</p>")
    assert any("'../images/none.png' is referenced but the file holds no copy" in w.reason
               for w in report.warnings)


@pytest.mark.parametrize("fmt", ["moodle_xml", "qti"])
def test_formatting_and_images_survive_a_round_trip(fmt):
    text = ('<p>The <strong>chart</strong>:</p><p><img src="@@PLUGINFILE@@/c.png" alt="Pulse" width="20">'
            '</p><ol><li>first</li><li>second &amp; third</li></ol><table><tr><th scope="col">BP</th></tr>'
            '<tr><td>120/80</td></tr></table>')
    d, report = one(moodle(text, {"c.png": png()}))
    assert "<table><tbody><tr><th scope=\"col\">BP</th>" in d["stem_html"]
    result = export_items([d], fmt, media=report.media)
    back, report2 = import_bytes(result.data, fmt, "back." + result.extension, topic="empathy")
    assert content_hash(back[0]) == content_hash(d)
    assert {s: m.data for s, m in report2.media.items()} == {s: m.data for s, m in report.media.items()}


@pytest.mark.parametrize("fmt", ["moodle_xml", "qti"])
def test_an_export_without_the_image_bytes_writes_the_plain_stem(fmt):
    d, _ = one(moodle('<p>A <img src="@@PLUGINFILE@@/c.png" alt="Pulse"></p><p>B</p>', {"c.png": png()}))
    result = export_items([d], fmt)
    (back,), _ = import_bytes(result.data, fmt, "back." + result.extension, topic="empathy")
    assert back["stem"] == d["stem"] and "stem_html" not in back


# --- fuzzing the formatted-text path -------------------------------------------------

_PIECES = st.sampled_from([
    "<p>", "</p>", "<b>", "</b>", "<ul><li>", "</li></ul>", "<table><tr><td>", "</td></tr></table>", "<br>",
    '<img src="@@PLUGINFILE@@/a.png" alt="A">', '<img src="@@PLUGINFILE@@/svg.png">', "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>", '<a href="javascript:alert(1)">x</a>', "<style>p{}</style>", "<!--", "-->",
    "&amp;", "&nbsp;", "&#0;", "<svg onload=alert(1)>", '<p style="x" onclick="y">', "text", " ", "\u00e9", "<",
    ">", '"', "<![CDATA[", "]]>", "<math><mi>x</mi></math>", '<img src="@@PLUGINFILE@@/a.png" alt="">',
])


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_any_question_html_gives_safe_html_or_a_clean_report(markup):
    notes, media = [], {}
    files = {"a.png": png(), "svg.png": SVG}
    out = rt.rich(markup, lambda src: files.get(rt.image_name(src)), "questiontext", notes, media)
    if out is not None:
        assert rt.sanitise(out) == out and rt.tidy(out) == out        # stable: what is stored validates
        for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "style=", "<svg", "<a ", "<math"):
            assert bad not in out
        assert set(rt.media_in(out)) <= set(media)
        assert all(m.media_type == "image/png" for m in media.values())
        d = {"stem": "x"}
        rt.attach(d, out)
        assert isinstance(d["stem"], str)


@pytest.mark.parametrize("fmt", ["moodle_xml", "qti"])
def test_a_drop_down_question_keeps_its_formatted_lead_in(fmt):
    text = ('<p>Read <b>this</b>:</p><ul><li>one</li></ul><p><img src="@@PLUGINFILE@@/a.png" alt="A"></p>'
            '<p>The nurse [[1]] the client.</p>')
    xml = (f'<?xml version="1.0"?><quiz><question type="gapselect"><name><text>G</text></name>'
           f'<questiontext format="html"><text><![CDATA[{text}]]></text><file name="a.png" encoding="base64">'
           f'{base64.b64encode(png()).decode()}</file></questiontext>'
           + "".join(f"<selectoption><text>{w}</text><group>1</group></selectoption>"
                     for w in ("greets", "ignores", "blames")) + "</question></quiz>").encode()
    d, report = one(xml)
    (sha,) = d["media"]
    assert d["stem_html"] == f'<p>Read <b>this</b>:</p><ul><li>one</li></ul><p><img src="media:{sha}" alt="A"></p>'
    assert d["text"] == "The nurse {{b1}} the client."
    result = export_items([d], fmt, media=report.media)
    (back,), _ = import_bytes(result.data, fmt, "back." + result.extension, topic="empathy")
    assert content_hash(back) == content_hash(d)
