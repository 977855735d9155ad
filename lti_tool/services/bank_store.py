"""The bank in the database: bundled YAML synced by (id, version), imports in named collections."""
from __future__ import annotations

import re
import threading

from sqlalchemy import case, func

from question_bank.bank import Bank, BankError, CaseStudy, Item, content_hash, item_from_dict, load_bank
from question_bank.types import get_type

from ..extensions import db
from ..models import BankItem, BankMedia
from .rows import database_key, prepared


class BankSyncError(Exception):
    pass


COLLECTION_MAX = BankItem.__table__.c.collection.type.length


def _definition_for_storage(item: Item, bank: Bank | None) -> dict:
    """Case items carry their case's stimulus so an attempt renders from its own rows."""
    d = dict(item.definition)
    if item.case_study and bank is not None:
        cs = bank.case_studies[item.case_study]
        d["case"] = {"id": cs.id, "version": cs.version, "title": cs.title,
                     "stimulus": cs.stimulus, "position": item.case_position, "size": len(cs.item_ids)}
    return d


def store_items(items: list[Item], collection: str, bank: Bank | None = None) -> dict:
    """Insert new (id, version) rows; the newest version becomes current. Does not commit."""
    counts = {"added": 0, "unchanged": 0}
    existing = {(r.item_id, r.version): r for r in db.session.execute(
        db.select(BankItem).where(BankItem.item_id.in_([i.id for i in items]))).scalars()}
    for item in items:
        definition = _definition_for_storage(item, bank)
        # The item's own content: the case context added for storage is not part of it.
        digest = content_hash(item.definition)
        row = existing.get((item.id, item.version))
        if row is not None:
            if row.content_hash != digest:
                raise BankSyncError(f"{item.source}:{item.line}: {item.id}: content changed but version "
                                    f"{item.version} is already stored; bump its version")
            counts["unchanged"] += 1
            continue
        for older in db.session.execute(db.select(BankItem).where(
                BankItem.item_id == item.id, BankItem.current.is_(True))).scalars():
            older.current = False
        db.session.add(BankItem(
            item_id=item.id, version=item.version, collection=collection, type=item.type,
            topic=item.topic, cjmm_skill=item.cjmm_skill, bloom=item.bloom, difficulty=item.difficulty,
            case_study=item.case_study, case_position=item.case_position,
            definition=definition, content_hash=digest, current=True))
        counts["added"] += 1
    return counts


def sync_bundled(paths=None) -> dict:
    bank = load_bank(paths)
    errors = [p for p in bank.problems if p.level == "error"]
    if errors:
        raise BankSyncError("the bundled bank has errors:\n" + "\n".join(map(str, errors[:20])))
    counts = store_items(list(bank.items.values()), "bundled", bank)
    db.session.commit()
    return counts


def import_dicts(dicts: list[dict], collection: str, source: str) -> dict:
    """All-or-nothing: validate every item first, then write them in one transaction."""
    return import_items(dicts, source, collection)


def import_items(dicts: list[dict], source: str, collections: str | dict[str, str],
                 case_studies: list[dict] | None = None, media: dict | None = None,
                 lines: dict[str, int] | None = None, strict: bool = False) -> dict:
    """Store an import (question_bank.formats: items, report) in one transaction.

    collections is one name, or item id -> name (the file's categories). Items are held to
    the engine's rules only (imported=True), not to the bundled bank's writing rules.
    case_studies are YAML-shaped ({id, version, title, topic, stimulus, items: [ids]});
    their items are stored with the case so an attempt serves them together, in order.
    media (report.media: sha256 -> richtext.Media) holds the images the items show; each is
    stored once in each collection whose items show it.

    Re-importing: an item whose id and version are stored with the same content is left as it
    is (counts["present"] lists it); one stored with other content is not imported, and
    counts["changed"] says so with the fix (bump its version), as do the other items of its
    case study; the rest imports. strict=True refuses the whole import instead. lines
    (item id -> line in the file) puts the line in those messages.
    Raises BankError or BankSyncError and writes nothing if any item cannot be stored.
    """
    def coll(item_id):
        return collections if isinstance(collections, str) else collections.get(item_id, "imported")
    bank = Bank()
    place = {}
    for cs in case_studies or []:
        ids = [i for i in cs["items"] if any(d["id"] == i for d in dicts)]
        bank.case_studies[cs["id"]] = CaseStudy(cs["id"], cs.get("version", 1), cs["title"], cs["topic"],
                                                cs["stimulus"], tuple(ids), source, 0, coll(ids[0]) if ids else "")
        place.update({i: (cs["id"], n) for n, i in enumerate(ids, 1)})
    items = [item_from_dict(d, source, 0, coll(d["id"]), *place.get(d["id"], (None, None)), imported=True)
             for d in dicts]
    items, present, changed = _already_stored(items, source, lines or {}, strict)
    groups: dict[str, list[Item]] = {}
    for item in items:
        if not item.collection or len(item.collection) > COLLECTION_MAX:
            raise BankSyncError(f"{item.id}: collection name {item.collection!r} must be 1-{COLLECTION_MAX} "
                                "characters; choose one with --collection")
        groups.setdefault(item.collection, []).append(item)
    counts = {"added": 0, "unchanged": 0}
    try:
        for name, group in groups.items():
            for k, v in store_items(group, name, bank).items():
                counts[k] += v
            store_media(group, name, media or {})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts | {"present": present, "changed": changed}


def _already_stored(items: list[Item], source: str, lines: dict[str, int], strict: bool):
    """(items to store, ids already stored unchanged, one message per item not imported)."""
    stored = {(r.item_id, r.version): r.content_hash for r in db.session.execute(
        db.select(BankItem.item_id, BankItem.version, BankItem.content_hash).where(
            BankItem.item_id.in_([i.id for i in items])))}
    present, changed = [], {}
    for item in items:
        digest = stored.get((item.id, item.version))
        if digest is None:
            continue
        if digest == content_hash(item.definition):
            present.append(item.id)
        else:
            changed[item.id] = (f"{source}:{lines.get(item.id, '?')}: {item.id}: content changed but version "
                                f"{item.version} is already stored: not imported; give it version "
                                f"{item.version + 1} (or a new id) and import again")
    if changed and strict:
        first = next(iter(changed.values()))
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        raise BankSyncError(f"{first}{more}; without --strict the rest would import")
    hit = {i.case_study: i.id for i in items if i.id in changed and i.case_study}
    for item in items:
        if item.case_study in hit and item.id not in changed and item.id not in present:
            changed[item.id] = (f"{source}:{lines.get(item.id, '?')}: {item.id}: not imported: another part of "
                                f"its case study ({hit[item.case_study]}) changed without a new version")
    keep = [i for i in items if i.id not in changed]
    return keep, present, list(changed.values())


def store_media(items: list[Item], collection: str, media: dict) -> int:
    """Store, in a collection, each image its items show that it does not hold yet. Does not commit."""
    wanted = {sha for item in items for sha in item.definition.get("media", ())}
    missing = wanted - set(media)
    if missing:
        raise BankSyncError(f"{len(missing)} image(s) the items show were not read from the file")
    have = set(db.session.execute(db.select(BankMedia.sha256).where(
        BankMedia.collection == collection, BankMedia.sha256.in_(wanted))).scalars()) if wanted else set()
    for sha in sorted(wanted - have):
        m = media[sha]
        db.session.add(BankMedia(collection=collection, sha256=sha, media_type=m.media_type, name=m.name[:255],
                                 width=m.width, height=m.height, data=m.data))
    return len(wanted - have)


def media_of(collections: list[str] | None, shas: set[str]) -> dict:
    """sha256 -> question_bank Media for the images some collections hold (for an export)."""
    from question_bank.formats.richtext import Media
    if not shas:
        return {}
    q = db.select(BankMedia).where(BankMedia.sha256.in_(shas))
    if collections:
        q = q.where(BankMedia.collection.in_(collections))
    return {m.sha256: Media(m.sha256, m.media_type, m.data, m.name, m.width, m.height)
            for m in db.session.execute(q).scalars()}


def export_collection(collections: list[str] | None, fmt: str):
    """Export the current items (and their case studies) of some collections (None: all).

    Returns (ExportResult, number of items considered); result.skipped_items counts the
    items the format could not hold, case-study items included."""
    from question_bank.formats import export_items

    rows = current_items(collections)
    dicts, cases = [], {}
    for r in sorted(rows.values(), key=lambda r: (r.case_study or "", r.case_position or 0, r.item_id)):
        d = {k: v for k, v in r.definition.items() if k != "case"}
        dicts.append(d)
        case = r.definition.get("case")
        if r.case_study and case:
            cs = cases.setdefault(r.case_study, {"id": case["id"], "version": case["version"],
                                                 "title": case["title"], "topic": r.topic,
                                                 "stimulus": case["stimulus"], "items": []})
            cs["items"].append(d["id"])
    media = media_of(collections, {sha for d in dicts for sha in d.get("media", ())})
    result = export_items(dicts, fmt, list(cases.values()), media)
    skipped_cases = {s.id for s in result.skipped if s.type == "case study"}
    result.skipped_items = sum(1 for s in result.skipped if s.type != "case study") + sum(
        len(cs["items"]) for cs in cases.values() if cs["id"] in skipped_cases)
    return result, len(dicts)


# Collections imported from an instructor page belong to that course (context): their name ends
# in " [c<context row id>]" and their item and case ids start with "c<id>-", so one course's
# import never shows in, or replaces items of, another course or the bundled bank.
_OWNER = re.compile(r" \[c(\d+)\]$")


def owned_collection(name: str, context_id: int) -> str:
    return f"{' '.join(name.split())} [c{context_id}]"


def collection_label(collection: str) -> str:
    return _OWNER.sub("", collection)


def visible_collections(context_id: int | None = None, everything: bool = False) -> list[str]:
    """Collection names, in order, that a course may use: the bundled bank, operator imports and
    the course's own imports (context_id None: a course of its own yet, so no imports);
    everything=True is the operator's view."""
    names = db.session.execute(db.select(BankItem.collection).distinct().order_by(BankItem.collection)).scalars()
    if everything:
        return list(names)
    return [n for n in names if not _OWNER.search(n) or _OWNER.search(n).group(1) == str(context_id)]


class UploadError(Exception):
    """An upload that cannot be imported; str() is one line with the fix."""


def import_upload(data: bytes, filename: str, collection: str, topic: str | None, context_id: int,
                  fmt: str | None = None, write: bool = False):
    """An instructor's upload into a collection of their course: (report, counts or None).

    Always returns the report (a dry run when write is False); with write=True the items are
    stored in one transaction, or nothing is (UploadError)."""
    from question_bank.formats import FormatError, detect_format, import_bytes

    fmt = fmt or detect_format(data, filename)
    if fmt is None:
        raise UploadError(f"Cannot tell the format of {filename}: choose Moodle XML, GIFT or QTI.")
    name = owned_collection(collection, context_id)
    if not collection.strip() or len(name) > COLLECTION_MAX:
        raise UploadError(f"Give the collection a name of 1-{COLLECTION_MAX - len(name) + len(collection)} characters.")
    try:
        items, report = import_bytes(data, fmt, filename, collection=name, topic=topic)
    except FormatError as exc:
        raise UploadError(f"Nothing imported: {exc}")
    if not write:
        return report, None
    if not items:
        raise UploadError(f"Nothing imported: {filename} holds no question Rapport can serve.")
    prefix = f"c{context_id}-"
    ids = {d["id"]: prefix + d["id"] for d in items}
    items = [dict(d, id=ids[d["id"]]) for d in items]
    cases = [dict(cs, id=prefix + cs["id"], items=[ids[i] for i in cs["items"]]) for cs in report.case_studies]
    try:
        counts = import_items(items, filename, name, cases, report.media,
                              {ids[k]: v for k, v in report.item_lines.items() if k in ids})
    except (BankSyncError, BankError) as exc:
        raise UploadError(f"Nothing imported: {str(exc).splitlines()[0]}")
    return report, counts


def to_item(row: BankItem) -> Item:
    d = row.definition
    case = d.get("case") or {}
    return Item(id=row.item_id, version=row.version, type=row.type, topic=row.topic,
                client_need=d.get("client_need", ""), cjmm_skill=row.cjmm_skill or "",
                bloom=row.bloom or "", difficulty=row.difficulty or "", stem=d.get("stem", ""),
                definition=d, case_study=row.case_study, case_position=row.case_position or case.get("position"),
                source=f"db:{row.collection}", collection=row.collection)


def current_items(collections: list[str] | None = None) -> dict[str, BankItem]:
    q = db.select(BankItem).where(BankItem.current.is_(True))
    if collections:
        q = q.where(BankItem.collection.in_(collections))
    return {r.item_id: r for r in db.session.execute(q).scalars()}


_pool_cache: dict = {}
_pool_lock = threading.Lock()


def _generation_statement():
    return db.select(func.count(BankItem.id), func.max(BankItem.id),
                     func.sum(case((BankItem.current.is_(True), 1), else_=0)))


def drawable(collections: list[str] | None = None) -> tuple[list[Item], dict[str, int]]:
    """Current items as question_bank Items, and item id -> bank_item row id.

    Cached per process and keyed by the table's generation (rows are never edited, only
    added and retired), so a draw does not rebuild 200+ Items; new rows invalidate it.
    """
    generation = tuple(db.session.execute(prepared("bank generation", _generation_statement)).one())
    key = (tuple(sorted(collections)) if collections else None, database_key(), generation)
    with _pool_lock:
        hit = _pool_cache.get(key)
    if hit is not None:
        return hit
    rows = current_items(collections)
    pool = ([to_item(r) for r in rows.values()], {iid: r.id for iid, r in rows.items()})
    from .attempt_rows import remember
    remember(rows.values())  # the attempts drawn from them read these definitions (autosave, submit)
    with _pool_lock:
        if len(_pool_cache) > 8:
            _pool_cache.clear()
        _pool_cache[key] = pool
    return pool


def item_type(row: BankItem):
    return get_type(row.type)(row.definition)
