"""The ready-made blueprints shipped with the bank (question_bank/blueprints.yaml)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .selection import Blueprint, capacity, units_of, validate_blueprint

PATH = Path(__file__).with_name("blueprints.yaml")
ROOM = 3  # eligible items per drawn item, so that two students share few items


@dataclass(frozen=True)
class NamedBlueprint:
    key: str
    description: str
    blueprint: Blueprint


def load_named(path: Path = PATH) -> dict[str, NamedBlueprint]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for d in data["blueprints"]:
        out[d["key"]] = NamedBlueprint(d["key"], d.get("description", ""),
                                       Blueprint.from_dict({"name": d["name"], "sections": d["sections"]}))
    return out


def room_problems(blueprint: Blueprint, items, room: int = ROOM) -> list[str]:
    """Sections whose filter matches fewer than `room` x count items (one per family)."""
    units = units_of(items, blueprint.collections)
    out = []
    for n, (flt, count) in enumerate(blueprint.sections, 1):
        eligible = capacity([u for u in units if all(flt.matches(i) for i in u)])
        if eligible < room * count:
            out.append(f"section {n} ({flt.describe()}): {eligible} eligible items for {count} drawn; "
                       f"wants at least {room * count}")
    return out


def check(items, room: int = ROOM) -> list[str]:
    problems = []
    for nb in load_named().values():
        for p in validate_blueprint(nb.blueprint, items) + room_problems(nb.blueprint, items, room):
            problems.append(f"{nb.key}: {p}")
    return problems
