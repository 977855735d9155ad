"""Question text as safe HTML, and the images it shows.

Foreign question text is HTML. Rapport keeps two forms of it on an imported item:
  stem       plain text (lint, analysis, search, the content of every page that lists items);
             an image reads "[Image: alt]" there
  stem_html  the formatting Rapport renders (bold, italics, lists, tables, images), only when
             the question has some: a question that is plain paragraphs gets no stem_html
  media      the SHA-256 of every image stem_html shows, as <img src="media:<sha256>">

The sanitiser is nh3 (Python bindings of Ammonia, the Rust allowlist sanitiser used by
crates.io and others; maintained, parses HTML5 as a browser would, so malformed or hostile
markup cannot smuggle a tag past it). Only TAGS survive, with only ATTRIBUTES; script and
style elements are dropped with their content, every on* handler, style and class attribute
goes, and an <img> keeps its src only when it is a media: reference to an image this import
read and checked (no javascript:, data: or remote URLs). The app sanitises again when it
renders (render() below) and turns media: references into its own URLs.

Images are checked by their content, not their name: PNG, JPEG, GIF and WebP only, each
parsed far enough to read its size; SVG is refused (it can carry scripts). Limits:
MAX_IMAGE_BYTES each, MAX_IMAGE_SIDE pixels a side.
"""
from __future__ import annotations

import hashlib
import html
import re
import struct
import urllib.parse
from dataclasses import dataclass
from typing import Callable

import nh3

# -- HTML as plain text (the stem every item keeps beside its formatted stem_html) ------------

def _collapse(text: str | None) -> str:
    return " ".join((text or "").split())


_BLOCK_RE = re.compile(r"</?(p|div|br|li|ul|ol|h\d|tr|td|th|table|blockquote|pre|hr)\b[^>]*>", re.I)
_IMG_RE = re.compile(r"<img\b[^>]*>", re.I)
_ATTR_RE = re.compile(r'\b(src|alt)\s*=\s*("([^"]*)"|\'([^\']*)\'|([^\s>]+))', re.I)


def images_in(markup: str | None) -> list[dict]:
    """The <img> elements of some HTML: [{src, alt}]."""
    out = []
    for m in _IMG_RE.finditer(markup or ""):
        attrs = {a.group(1).lower(): html.unescape(a.group(3) or a.group(4) or a.group(5) or "")
                 for a in _ATTR_RE.finditer(m.group(0))}
        out.append({"src": attrs.get("src", ""), "alt": _collapse(attrs.get("alt", ""))})
    return out


def html_to_text(markup: str | None) -> str:
    """Question text in a foreign file is HTML; Rapport renders item text as plain text.

    nh3 (the Ammonia sanitiser) with no allowed tags drops every tag, comment, script and
    style body; block tags become spaces first so words do not run together; an image
    becomes "[Image: alt]" so the reader knows something was there (the report says more).
    """
    s = _IMG_RE.sub(lambda m: " [Image: " + (images_in(m.group(0))[0]["alt"] or "no description") + "] ",
                    markup or "")
    s = _BLOCK_RE.sub(" ", s)
    return _collapse(html.unescape(nh3.clean(s, tags=set())))


def text_to_html(text: str) -> str:
    return html.escape(text, quote=False)


TAGS = {"p", "br", "strong", "b", "em", "i", "u", "sub", "sup", "ul", "ol", "li", "code", "pre",
        "blockquote", "table", "caption", "thead", "tbody", "tr", "th", "td", "img"}
ATTRIBUTES = {"img": {"src", "alt", "width", "height"}, "th": {"scope", "colspan", "rowspan"},
              "td": {"colspan", "rowspan"}, "ol": {"start"}}
MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_SIDE = 8000
NO_ALT = "Image (the imported question gave no description)"
MEDIA_SRC = re.compile(r"^media:([0-9a-f]{64})$")
_MEDIA_IN_HTML = re.compile(r'<img src="media:([0-9a-f]{64})"')
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r'\b(src|alt|width|height)\s*=\s*("([^"]*)"|\'([^\']*)\'|([^\s>]+))', re.I)
_PLAIN_TAGS = {"p", "br"}


@dataclass(frozen=True)
class Media:
    """An image an import read: its bytes, checked type and size, and the name it had."""
    sha256: str
    media_type: str
    data: bytes
    name: str
    width: int | None = None
    height: int | None = None

    @property
    def extension(self) -> str:
        return {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}[self.media_type]


class ImageRefused(ValueError):
    """Bytes that are not an image Rapport serves; str() says why, for the import report."""


def sniff(data: bytes) -> tuple[str, int | None, int | None]:
    """(media type, width, height) of image bytes, read from their content; ImageRefused if
    they are not a PNG, JPEG, GIF or WebP within the limits."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused(f"larger than {MAX_IMAGE_BYTES // 1024} KB")
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        kind, (w, h) = "image/png", struct.unpack(">II", data[16:24])
    elif data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        kind, (w, h) = "image/gif", struct.unpack("<HH", data[6:10])
    elif data.startswith(b"\xff\xd8\xff"):
        kind, (w, h) = "image/jpeg", _jpeg_size(data)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:15] == b"VP8":
        kind, w, h = "image/webp", None, None
    elif b"<svg" in data[:1024].lower():
        raise ImageRefused("SVG is not accepted (it can carry scripts); save it as PNG")
    else:
        raise ImageRefused("not a PNG, JPEG, GIF or WebP image (checked by its content)")
    if w is not None and not (0 < w <= MAX_IMAGE_SIDE and 0 < h <= MAX_IMAGE_SIDE):
        raise ImageRefused(f"{w}x{h} pixels: each side must be 1-{MAX_IMAGE_SIDE}")
    return kind, w, h


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            raise ImageRefused("a damaged JPEG")
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        if length < 2:
            raise ImageRefused("a damaged JPEG")
        i += 2 + length
    raise ImageRefused("a damaged JPEG (no frame header)")


def media_of(data: bytes, name: str) -> Media:
    kind, w, h = sniff(data)
    return Media(hashlib.sha256(data).hexdigest(), kind, data, name, w, h)


def _attribute_filter(tag: str, attr: str, value: str):
    if tag == "img" and attr == "src":
        return value if MEDIA_SRC.match(value) else None
    if attr in ("width", "height", "colspan", "rowspan", "start"):
        return value if value.isdigit() and 0 < int(value) <= MAX_IMAGE_SIDE else None
    if attr == "scope":
        return value if value in ("row", "col", "rowgroup", "colgroup") else None
    return value


def sanitise(markup: str | None) -> str:
    """Reduce HTML to TAGS/ATTRIBUTES; an <img> without a media: source is removed."""
    out = nh3.clean(markup or "", tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_attribute_filter,
                    url_schemes={"media"}, strip_comments=True, link_rel=None)
    return re.sub(r"<img(?![^>]*\bsrc=)[^>]*>", "", out).strip()


def has_formatting(safe_html: str) -> bool:
    """Whether sanitised HTML holds more than plain text in at most one paragraph."""
    tags = re.findall(r"<([a-z0-9]+)\b", safe_html)
    return any(t not in _PLAIN_TAGS for t in tags) or tags.count("p") > 1 or "br" in tags


def media_in(safe_html: str) -> list[str]:
    """The media SHA-256s an item's stem_html shows, in order, once each."""
    return list(dict.fromkeys(_MEDIA_IN_HTML.findall(safe_html or "")))


def attach(d: dict, safe_html: str | None) -> None:
    """Give an item dict its stem_html and media, and the plain stem read from the same
    HTML (so every format that carries the HTML gives back the same stem)."""
    if not safe_html:
        return
    d["stem"] = html_to_text(safe_html.replace(f'alt="{NO_ALT}"', 'alt=""'))
    d["stem_html"] = safe_html
    if media_in(safe_html):
        d["media"] = media_in(safe_html)


def image_name(src: str) -> str:
    """The file name an <img src> refers to: '@@PLUGINFILE@@/a%20b.png' -> 'a b.png'."""
    if "@@PLUGINFILE@@" in src:
        src = src.split("@@PLUGINFILE@@/", 1)[-1]
    return urllib.parse.unquote(src.split("?", 1)[0])


Finder = Callable[[str], "bytes | None"]


def rich(markup: str | None, find: Finder, where: str, notes: list[str],
         media: dict[str, Media]) -> str | None:
    """Foreign HTML -> (stem_html or None). Each <img> whose file `find(src)` returns, and
    which is a real image, becomes <img src="media:<sha256>" alt=...> and is added to media;
    an image that is missing or refused becomes the text [Image: alt]; each problem, and each
    image with no alt text, is added to notes (for the report)."""
    def image(m: re.Match) -> str:
        attrs = {a.group(1).lower(): html.unescape(a.group(3) or a.group(4) or a.group(5) or "")
                 for a in _ATTR.finditer(m.group(0))}
        alt = " ".join(attrs.get("alt", "").split())
        name = image_name(attrs.get("src", ""))
        shown = alt or "no description"
        try:
            data = find(attrs.get("src", "")) if attrs.get("src") else None
        except ImageRefused as e:
            notes.append(f"{where}: image {name!r} not imported: {e}; shown as [Image: {shown}]")
            return f"[Image: {html.escape(shown)}]"
        if data is None:
            notes.append(f"{where}: image {name!r} is referenced but the file holds no copy; "
                         f"shown as [Image: {shown}]")
            return f"[Image: {html.escape(shown)}]"
        try:
            got = media_of(data, name)
        except ImageRefused as e:
            notes.append(f"{where}: image {name!r} not imported: {e}; shown as [Image: {shown}]")
            return f"[Image: {html.escape(shown)}]"
        if not alt:
            notes.append(f"{where}: image {name!r} has no alt text; students using a screen reader "
                         f"hear \"{NO_ALT}\": add a description in the source and import again")
        media[got.sha256] = got
        size = "".join(f' {k}="{attrs[k]}"' for k in ("width", "height") if attrs.get(k, "").isdigit())
        return f'<img src="media:{got.sha256}" alt="{html.escape(alt or NO_ALT)}"{size}>'

    safe = tidy(sanitise(_IMG.sub(image, markup or "")))
    return safe if has_formatting(safe) else None


_BLOCK = r"</?(?:p|ul|ol|li|table|caption|thead|tbody|tr|td|th|blockquote|pre|br)\b[^>]*>"


def tidy(safe_html: str) -> str:
    """Whitespace as a browser shows it: runs collapsed, none around block tags, so the same
    question reads the same from an indented file or a compact one."""
    s = re.sub(r"\s+", " ", safe_html)
    s = re.sub(rf"\s*({_BLOCK})\s*", r"\1", s)
    return re.sub(r"<p></p>", "", s).strip()


def render(safe_html: str, url_for_media: Callable[[str], "str | None"]) -> str:
    """stem_html for a page: sanitised again (the database is not trusted to hold only what
    an import wrote), media: references turned into URLs of the app's media route."""
    again = sanitise(safe_html)

    def image(m: re.Match) -> str:
        url = url_for_media(m.group(1))
        if url is None:                    # nowhere to serve it from: say what it shows
            alt = re.search(r'alt="([^"]*)"', m.group(2))
            return f"[Image: {alt.group(1) if alt else 'no description'}]"
        return f'<img src="{html.escape(url)}"{m.group(2)}>'
    return re.sub(r'<img src="media:([0-9a-f]{64})"([^>]*)>', image, again)


def for_export(d: dict, media: dict | None, href: Callable[[Media], str]) -> tuple[str | None, list[Media]]:
    """An item's stem_html with each media: reference replaced by href(image), and the
    images it needs; (None, []) when the item has no stem_html or an image's bytes are not
    in media (the exporter then writes the plain stem)."""
    safe = d.get("stem_html")
    if not safe:
        return None, []
    wanted = media_in(safe)
    if any(sha not in (media or {}) for sha in wanted):
        return None, []
    used = [media[sha] for sha in wanted]
    return _MEDIA_IN_HTML.sub(lambda m: f'<img src="{html.escape(href(media[m.group(1)]))}"', safe), used


def file_name(m: Media) -> str:
    """The name an exported image gets: stable for the same bytes."""
    return f"{m.sha256[:16]}.{m.extension}"


def to_xhtml(safe_html: str) -> str:
    """Sanitised HTML as XML (for QTI): void elements closed, named entities numbered."""
    s = re.sub(r"<(br|img)\b([^>]*?)\s*/?>", r"<\1\2/>", safe_html)
    return s.replace("&nbsp;", "&#160;")
