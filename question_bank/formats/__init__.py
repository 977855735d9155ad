"""Import and export of items: Moodle XML, GIFT, QTI 3.0 (QTI 2.1 import).

    items = import_file("quiz.xml", "moodle_xml", topic="validation")  # list of item dicts
    result = export_items(items, "qti")      # ExportResult: .data bytes, .skipped, .report

Formats: "moodle_xml" (import, export), "gift" (import), "qti" (import a single item XML,
3.0 or 2.1, or a content package zip; export a QTI 3.0 content package zip).

Import is all-or-nothing: every item is parsed, filled with defaults (see formats.common)
and validated with question_bank.bank.item_from_dict before the list is returned; any
problem raises FormatError("file:line: field: message"). XML is parsed only with defusedxml
and DTDs are refused, so entity bombs and external entities never expand. Text is imported
with whitespace collapsed to single spaces.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import gift, moodle_xml, qti
from .common import ExportResult, FormatError, Progress, Skipped, finish

__all__ = ["FORMATS", "ExportResult", "FormatError", "Skipped", "export_items",
           "import_bytes", "import_file"]

_READERS = {"moodle_xml": moodle_xml.read, "gift": gift.read, "qti": qti.read}
_WRITERS = {"moodle_xml": moodle_xml.write, "qti": qti.write}
FORMATS = tuple(_READERS)
_ALIASES = {"moodle": "moodle_xml", "xml": "moodle_xml", "qti3": "qti", "qti21": "qti",
            "qti30": "qti", "txt": "gift"}


def _fmt(fmt: str) -> str:
    f = _ALIASES.get(fmt.lower().replace("-", "_").replace(".", ""), fmt.lower())
    if f not in _READERS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return f


def import_bytes(data: bytes, fmt: str, source_name: str, collection: str = "imported",
                 topic: str | None = None, progress: Progress | None = None) -> list[dict]:
    """Import from bytes (an upload); source_name names the file in errors and ids."""
    raws = _READERS[_fmt(fmt)](data, source_name)
    if progress:
        progress(0, len(raws))
    stem = Path(source_name).stem if source_name else collection
    return finish(raws, source_name, stem, topic, collection, progress)


def import_file(path: str | os.PathLike, fmt: str, collection: str = "imported",
                topic: str | None = None, progress: Progress | None = None) -> list[dict]:
    """Read a file and return validated item dicts, or raise FormatError (nothing partial).

    collection labels the import in validation messages; topic is used where an item
    carries no topic tag of its own; progress(done, total) is called as items validate.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise FormatError(str(p), None, "file", e.strerror or str(e))
    return import_bytes(data, fmt, p.name, collection, topic, progress)


def export_items(item_dicts: list[dict], fmt: str) -> ExportResult:
    """Export item dicts. Types a format cannot hold are skipped and listed in .report."""
    f = _fmt(fmt)
    if f not in _WRITERS:
        raise ValueError(f"export to {fmt!r} is not supported; use moodle_xml or qti")
    return _WRITERS[f](list(item_dicts))
