"""Import and export of items: Moodle XML, GIFT, QTI 3.0 (and QTI 2.1 import).

    items, report = import_file("bank.xml", "moodle_xml", topic="validation")
    for line in report.lines(): print(line)      # file:line: "name": skipped|warning: why
    result = export_items(items, "qti", case_studies=[...])  # .data bytes, .skipped, .report

Formats: "moodle_xml" (import, export), "gift" (import), "qti" (import a single item XML,
3.0 or 2.1, or a content package zip; export a QTI 3.0 content package zip).

Import is question by question (see formats.common): what has a faithful equivalent
imports; the rest is skipped and reported one per line with file:line, name and why;
strict=True makes any skip a FormatError (all-or-nothing). A file that cannot be read as a
whole (not well-formed, a DTD or entity, not UTF-8, not a zip) raises FormatError. XML is
parsed only with defusedxml and DTDs are refused, so entity bombs and external entities
never expand. Question text keeps its formatting and images as sanitised HTML (richtext.py:
stem_html, media; report.media holds the image bytes for the app to store), and a plain-text
stem; other HTML is reduced to text with nh3; whitespace is collapsed.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import gift, moodle_xml, moodle_xml_export, qti_export, qti_package
from .common import (MAX_IMPORT_BYTES, ExportResult, FormatError, ImportReport, Note, Progress,
                     Skipped, finish)

__all__ = ["FORMATS", "ExportResult", "FormatError", "ImportReport", "Note", "Skipped",
           "detect_format", "export_items", "import_bytes", "import_file"]

_READERS = {"moodle_xml": moodle_xml.read, "gift": gift.read, "qti": qti_package.read}
_WRITERS = {"moodle_xml": moodle_xml_export.write, "qti": qti_export.write}
FORMATS = tuple(_READERS)
EXPORT_FORMATS = tuple(_WRITERS)
_ALIASES = {"moodle": "moodle_xml", "xml": "moodle_xml", "qti3": "qti", "qti21": "qti",
            "qti30": "qti", "txt": "gift", "zip": "qti"}


def normalise_format(fmt: str) -> str:
    f = _ALIASES.get(fmt.lower().replace("-", "_").replace(".", ""), fmt.lower().replace("-", "_"))
    if f not in _READERS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return f


def detect_format(data: bytes, name: str = "") -> str | None:
    """Guess the format of an upload from its first bytes (and name): None if unsure."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data[:4] == b"PK\x03\x04":
        return "qti"
    if head.startswith(b"<"):
        if b"<quiz" in data[:4096]:
            return "moodle_xml"
        if b"qti-assessment" in data[:4096] or b"assessmentItem" in data[:4096]:
            return "qti"
        return None
    if name.lower().endswith((".gift", ".txt")) or b"{" in data:
        return "gift"
    return None


def import_bytes(data: bytes, fmt: str, source_name: str, collection: str | None = None,
                 topic: str | None = None, strict: bool = False,
                 progress: Progress | None = None) -> tuple[list[dict], ImportReport]:
    """Import from bytes (an upload); source_name names the file in the report and ids.

    collection, when given, overrides the file's own categories (report.collections maps
    each item id to its collection). topic is used where a question carries none.
    """
    reader = _READERS[normalise_format(fmt)]
    if len(data) > MAX_IMPORT_BYTES:
        raise FormatError(source_name, None, "file",
                          f"larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split the bank into smaller files")
    entries = reader(data, source_name)
    stem = Path(source_name).stem if source_name else "import"
    return finish(entries, source_name, stem, topic, collection, strict, progress)


def import_file(path: str | os.PathLike, fmt: str, collection: str | None = None,
                topic: str | None = None, strict: bool = False,
                progress: Progress | None = None) -> tuple[list[dict], ImportReport]:
    """Read a file and return (item dicts, report), or raise FormatError for the whole file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise FormatError(str(p), None, "file", e.strerror or str(e))
    return import_bytes(data, fmt, p.name, collection, topic, strict, progress)


def export_items(item_dicts: list[dict], fmt: str, case_studies: list[dict] | None = None,
                 media: dict | None = None) -> ExportResult:
    """Export item dicts, and case studies ({id, version, title, topic, stimulus, items:
    [item ids]}) whose items are among them. media (sha256 -> richtext.Media) holds the
    images the items' stem_html shows; an item whose images are not all there is written
    with its plain stem. What a format cannot hold is skipped and listed in .report with
    the reason."""
    f = normalise_format(fmt)
    if f not in _WRITERS:
        raise ValueError(f"export to {fmt!r} is not supported; use moodle_xml or qti")
    return _WRITERS[f](list(item_dicts), list(case_studies or []), media=media)
