"""Instructor pages for the course's own questions: import a Moodle XML, GIFT or QTI file
(dry run first, then into a named collection of this course) and export a collection."""
import base64
import binascii
import re

from flask import Blueprint, Response, abort, request

from question_bank.vocabulary import TOPICS

from ..extensions import csrf
from ..services import bank_store
from .auth import current_token, staff_link
from .instructor.common import page as instructor_page

bp = Blueprint("instructor_bank", __name__, url_prefix="/instructor/bank")

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
FORMATS = [("", "Detect from the file"), ("moodle_xml", "Moodle XML"), ("gift", "GIFT"),
           ("qti", "QTI 3.0 or 2.1 (item file or zip package)")]
EXPORTS = [("qti", "QTI 3.0 package (every question type and case study)"),
           ("moodle_xml", "Moodle XML (types Moodle can hold)")]


def _page(tok, link, status=200, **kw):
    collections = [(c, "Rapport's built-in questions" if c == "bundled" else bank_store.collection_label(c))
                   for c in bank_store.visible_collections(link.context_id)]
    values = {"collection": "", "topic": "", "format": ""} | kw.pop("values", {})
    return instructor_page("instructor/bank.html", tok, link, "instructor_bank.page", status, topics=TOPICS,
                           formats=FORMATS, exports=EXPORTS, collections=collections, values=values,
                           max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), **kw)


@bp.get("/")
def page():
    tok = current_token()
    return _page(tok, staff_link(tok))


@bp.post("/import")
@csrf.exempt  # launch token
def import_questions():
    request.max_content_length = MAX_UPLOAD_BYTES * 2     # the file, or its copy kept by a dry run
    tok = current_token()
    link = staff_link(tok)
    f = request.files.get("file")
    values = {k: request.form.get(k, "").strip() for k in ("collection", "topic", "format")}
    if f is not None and f.filename:
        data, filename = f.read(MAX_UPLOAD_BYTES + 1), f.filename
    else:                              # the file kept from the dry run
        try:
            data = base64.b64decode(request.form.get("upload", ""), validate=True)
        except (binascii.Error, ValueError):
            data = b""
        filename = request.form.get("filename", "") or "upload"
    problem = None
    if not data:
        problem = "Choose a file to import."
    elif len(data) > MAX_UPLOAD_BYTES:
        problem = f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it into smaller files."
    elif values["topic"] and values["topic"] not in TOPICS:
        problem = "Choose a topic from the list."
    elif values["format"] and values["format"] not in dict(FORMATS):
        problem = "Choose a format from the list."
    elif not values["collection"]:
        problem = "Name the collection the questions go into."
    if problem:
        return _page(tok, link, 400, problem=problem, values=values)
    write = request.form.get("action") == "import"
    try:
        report, counts = bank_store.import_upload(data, filename, values["collection"], values["topic"] or None,
                                                  link.context_id, values["format"] or None, write=write)
    except bank_store.UploadError as exc:
        return _page(tok, link, 400, problem=str(exc), values=values)
    return _page(tok, link, report=report, counts=counts, filename=filename, values=values,
                 upload=None if write else base64.b64encode(data).decode())


@bp.post("/export")
@csrf.exempt  # launch token
def export():
    tok = current_token()
    link = staff_link(tok)
    collection, fmt = request.form.get("collection", ""), request.form.get("format", "")
    if collection not in bank_store.visible_collections(link.context_id) or fmt not in dict(EXPORTS):
        abort(404)
    result, count = bank_store.export_collection([collection], fmt)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", bank_store.collection_label(collection)).strip("-.") or "questions"
    return Response(result.data, mimetype=result.media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}.{result.extension}"',
        "X-Rapport-Skipped": str(result.skipped_items)})
