"""Instructor pages, one module per page: builder (deep linking and settings), results,
analysis (item analysis and class review), accommodations. Staff of this context only."""
from flask import Blueprint

bp = Blueprint("instructor", __name__, url_prefix="/instructor")

from . import accommodations, analysis, builder, mastery, results  # noqa: E402,F401  (routes register on bp)
