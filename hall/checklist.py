"""The materials checklist the clerk ticks while the citizen watches (双屏): kept in memory per counter."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from .domain.models import ServiceItem

#: Where an app keeps its ChecklistStore (app.extensions).
EXTENSION_KEY = "onewindow.checklists"


def materials_of(ticket_items: Iterable[str], items: Mapping[str, ServiceItem]) -> list[dict[str, Any]]:
    """The ticket's materials in checklist order: item by item (as the caller panel lists them), guide order within."""
    materials: list[dict[str, Any]] = []
    for code in ticket_items:
        item = items.get(code)
        if item is None:
            continue
        guide = item.guide.get("materials") or {}
        zh = list(guide.get("zh") or [])
        en = list(guide.get("en") or [])
        for index, text in enumerate(zh or en):
            materials.append({"item": code, "zh": text, "en": en[index] if index < len(en) else text})
    return materials


class ChecklistStore:
    """Ticked material indexes per counter, for its ticket in hand only; a new ticket starts with none ticked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ticked: dict[int, tuple[int, frozenset[int]]] = {}

    def ticked(self, counter: int, ticket_id: int | None) -> frozenset[int]:
        """The indexes ticked for *ticket_id* at *counter* (none if the counter moved on to another ticket)."""
        with self._lock:
            held = self._ticked.get(counter)
        if held is None or ticket_id is None or held[0] != ticket_id:
            return frozenset()
        return held[1]

    def tick(self, counter: int, ticket_id: int, index: int, checked: bool) -> frozenset[int]:
        """Tick or untick material *index* of *ticket_id*; returns every index now ticked."""
        with self._lock:
            held = self._ticked.get(counter)
            current = held[1] if held is not None and held[0] == ticket_id else frozenset()
            updated = current | {index} if checked else current - {index}
            self._ticked[counter] = (ticket_id, frozenset(updated))
            return self._ticked[counter][1]


def checklists_of(extensions: dict[str, Any]) -> ChecklistStore:
    """The app's checklist store (made on first use)."""
    return extensions.setdefault(EXTENSION_KEY, ChecklistStore())
