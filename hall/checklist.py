"""The materials checklist the clerk ticks while the citizen watches (双屏).

The ticks are kept in the database (``hall.storage.checklist``) and each is logged, so every server
process sees them: the panel may be connected to one process and the citizen-facing screen to another.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .storage import Storage
from .storage import checklist as store


def materials_of(ticket_items: Iterable[str], items: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ticket's materials in checklist order: item by item (as the caller panel lists them), guide order within.

    *items* maps item codes to catalogue rows (with their ``guide`` JSON).
    """
    materials: list[dict[str, Any]] = []
    for code in ticket_items:
        row = items.get(code)
        if row is None:
            continue
        guide = json.loads(row["guide"]).get("materials") or {}
        zh = list(guide.get("zh") or [])
        en = list(guide.get("en") or [])
        for index, text in enumerate(zh or en):
            materials.append({"item": code, "zh": text, "en": en[index] if index < len(en) else text})
    return materials



def ticked(storage: Storage, counter: int, ticket_id: int) -> frozenset[int]:
    """The materials ticked for *ticket_id* at *counter*."""
    with storage.read() as db:
        return store.ticked(db, counter, ticket_id)
