"""Images of imported questions, for whoever may see the question (services/item_media.py),
and the template filter that renders an imported question's formatted text."""
import re

from flask import Blueprint, Response, abort, url_for
from jinja2 import pass_context
from markupsafe import Markup

from question_bank.formats import richtext

from ..services import item_media
from .auth import current_token

bp = Blueprint("item_media", __name__, url_prefix="/item-media")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@bp.get("/<int:row_id>/<sha256>")
def image(row_id: int, sha256: str):
    tok = current_token()
    if not _SHA.match(sha256):
        abort(404)
    m = item_media.image_for(tok, row_id, sha256)
    if m is None:
        abort(404)
    return Response(m.data, mimetype=m.media_type, headers={
        # The bytes were checked to be this type on import; never let a browser guess otherwise,
        # and never run anything in them if opened on their own.
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": f'inline; filename="image.{m.media_type.split("/")[1]}"',
        "Cache-Control": "private, max-age=3600",
    })


@bp.app_template_filter("stem_html")
@pass_context
def stem_html(ctx, view: dict) -> Markup:
    """An item view's stem_html, sanitised again, its images pointing at image() above."""
    row, token = view.get("media_row"), ctx.get("token")
    return Markup(richtext.render(view.get("stem_html") or "", lambda sha: url_for(
        "item_media.image", row_id=row, sha256=sha, lt=token) if row is not None else None))
