"""QTI content packages (a zip with imsmanifest.xml): the manifest's items, their shared
stimuli (case studies) and the images they show; each member is read by qti.py. Limits:
MAX_MEMBERS files, MAX_UNZIPPED bytes unzipped, MAX_RATIO compression (zip bombs), and no
member read past the import cap whatever its header claims."""
from __future__ import annotations

import io
import posixpath
import xml.etree.ElementTree as ET
import zipfile
import zlib

from . import richtext
from .common import MAX_IMPORT_BYTES, FormatError, guard, require, skip, slug
from .xml_lines import line_of, local, parse_xml
from . import qti
from .qti import MAX_MEMBERS, MAX_RATIO, MAX_UNZIPPED, _normalise, _read_item, _sections


def read(data: bytes, file: str) -> list:
    """A QTI upload: a content package (zip) or a single item document."""
    return read_package(data, file) if data[:4] == b"PK\x03\x04" else qti.read(data, file)


def read_package(data: bytes, file: str) -> list:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except _ZIP_ERRORS as e:
        raise FormatError(file, None, "package", f"not a readable zip file: {e}")
    require(len(infos) <= MAX_MEMBERS, file, None, "package", f"more than {MAX_MEMBERS} files")
    unzipped = sum(i.file_size for i in infos)
    require(unzipped <= MAX_UNZIPPED, file, None, "package", "larger than 100 MB unzipped")
    require(unzipped <= max(len(data), 1) * MAX_RATIO, file, None, "package",
            "compressed more than 200:1 (a zip bomb?)")
    names = {i.filename for i in infos}

    def load(name: str, where: str) -> ET.Element:
        try:
            with z.open(name) as f:    # no further than the import cap, whatever the header claims
                raw = f.read(MAX_IMPORT_BYTES + 1)
        except _ZIP_ERRORS as e:
            raise FormatError(where, None, "package", f"cannot read this file from the package: {e}")
        root = parse_xml(raw, where)
        _normalise(root)
        return root

    require("imsmanifest.xml" in names, file, None, "package",
            "no imsmanifest.xml: not a QTI content package")
    man = load("imsmanifest.xml", f"{file}/imsmanifest.xml")
    hrefs = [r.get("href") for r in man.iter() if local(r.tag) == "resource"
             and "imsqti_item" in (r.get("type") or "") and r.get("href")]
    require(hrefs, f"{file}/imsmanifest.xml", line_of(man), "resource",
            "the manifest lists no QTI items (resource type imsqti_item_...)")
    entries: list = []
    stimuli: dict[str, dict] = {}
    for href in hrefs:
        where = f"{file}/{href}"
        if href not in names:
            entries.append(skip(f"{file}/imsmanifest.xml", None, href,
                                "the manifest names a file the package does not hold"))
            continue
        root = load(href, where)

        def stimulus(ref, base=href):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(base), ref.get("href") or ""))
            if target not in stimuli:
                require(target in names, where, line_of(ref), "qti-assessment-stimulus-ref",
                        f"{ref.get('href')!r} is not in the package")
                stimuli[target] = _read_stimulus(load(target, f"{file}/{target}"), f"{file}/{target}",
                                                 ref.get("title"))
            return stimuli[target]
        def find(src, base=href):
            """An image the item shows, from the package (None when the package lacks it)."""
            target = posixpath.normpath(posixpath.join(posixpath.dirname(base), src.split("?", 1)[0]))
            if target not in names:
                return None
            try:
                with z.open(target) as f:
                    return f.read(richtext.MAX_IMAGE_BYTES + 1)
            except _ZIP_ERRORS as e:
                raise richtext.ImageRefused(f"cannot be read from the package: {e}")
        guard(entries, where, line_of(root), root.get("title") or root.get("identifier") or href,
              lambda: _read_item(root, where, stimulus, find))
    return entries


# What a damaged, encrypted or oddly compressed zip raises from the standard library.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, ValueError,
               EOFError, OSError, zlib.error, KeyError)


def _read_stimulus(root, file: str, title: str | None) -> dict:
    require(root.tag == "qti-assessment-stimulus", file, line_of(root), "qti-assessment-stimulus",
            f"root element is <{root.tag}>")
    body = root.find("qti-stimulus-body")
    require(body is not None, file, line_of(root), "qti-stimulus-body", "missing")
    title = root.get("title") or title or root.get("identifier")
    ident = root.get("identifier") or title or "case"
    ours = body.get("data-rapport-version") is not None
    # A foreign identifier (STIM-1) says nothing in our bank: name it after the package.
    stem = posixpath.basename(file.split("/", 1)[0]).rsplit(".", 1)[0]
    out = {"id": ident if ours else f"imp-{slug(stem)}-{slug(ident)}", "title": title or ident,
           "stimulus": _sections(body, title)}
    version = body.get("data-rapport-version") or ""
    if version.isdigit() and int(version) >= 1:
        out["version"] = int(version)
    if body.get("data-rapport-topic"):
        out["topic"] = body.get("data-rapport-topic")
    images = [e.get("alt") or "no description" for e in body.iter() if e.tag == "img"]
    if images:      # a case study's stimulus is text: say what the students will not see
        out["notes"] = [f"the shared stimulus {ident!r} shows {len(images)} image(s) ({'; '.join(images)}) that "
                        "are not imported: a case study's information is text only"]
    return out
