"""XML for the importers: parsed with defusedxml (no DTD, no entities, no external references),
each element keeping its source line so a report can say where a question is."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import defusedxml
import defusedxml.ElementTree as DET

from .common import MAX_IMPORT_BYTES, FormatError, clean


class LineElement(ET.Element):
    line = 0


class _LineBuilder(ET.TreeBuilder):
    parser: Any = None

    def start(self, tag, attrs):
        el = super().start(tag, attrs)
        el.line = self.parser.parser.CurrentLineNumber
        return el


def parse_xml(data: bytes, file: str) -> ET.Element:
    """Parse with defusedxml (no DTD entities, no external refs), keeping line numbers."""
    if len(data) > MAX_IMPORT_BYTES:
        raise FormatError(file, None, "file", f"larger than {MAX_IMPORT_BYTES} bytes")
    builder = _LineBuilder(element_factory=LineElement)
    parser = DET.DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(data)
        return parser.close()
    except defusedxml.DTDForbidden as e:
        raise FormatError(file, e.lineno if hasattr(e, "lineno") else _line(parser), "xml",
                          "DTDs are not accepted (entity expansion and external entities are unsafe)")
    except defusedxml.DefusedXmlException as e:
        raise FormatError(file, _line(parser), "xml", f"unsafe XML rejected: {e}")
    except ET.ParseError as e:
        raise FormatError(file, e.position[0], "xml", f"not well-formed XML: {e}")
    except LookupError as e:                       # <?xml encoding="TF-8"?>
        raise FormatError(file, 1, "xml", f"the XML declaration names an {e}")
    except (ValueError, RecursionError) as e:    # e.g. a NUL byte in a name: expat refuses
        raise FormatError(file, _line(parser), "xml", f"not well-formed XML: {e}")


def _line(parser) -> int | None:
    try:
        return parser.parser.CurrentLineNumber
    except AttributeError:
        return None


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def line_of(el) -> int:
    return getattr(el, "line", 0)


def all_text(el) -> str:
    return clean("".join(el.itertext())) if el is not None else ""
