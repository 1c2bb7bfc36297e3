"""Applying the prefecture's catalogue standard (事项目录) to the hall, one version at a time.

A version document has the shape of ``hall/demo_catalogue.json`` with a ``version`` number and,
per item, its national item code (事项编码) and version. The whole version is applied in one write
transaction and audited: categories, items and bundles take the standard's names, kinds, time
limits and guides; items the hall had switched off stay off; items new in the standard arrive
switched off (the hall authorises counters, then enables them); items the standard dropped are
switched off. Halls keep only two local choices: which items are enabled, and which counters are
authorised for them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import audit
from .domain.clock import Clock
from .domain.errors import N_, InvalidInput
from .storage import Storage, repo

logger = logging.getLogger(__name__)

SETTING = "catalogue_version"
KINDS = ("instant", "reviewed")


@dataclass(frozen=True)
class Applied:
    """What applying a version changed."""

    version: int
    previous: int | None
    added: tuple[str, ...]
    changed: tuple[str, ...]
    retired: tuple[str, ...]

    @property
    def applied(self) -> bool:
        return self.previous is None or self.version > self.previous


def _name(entry: Mapping[str, Any], where: str) -> tuple[str, str]:
    name = entry.get("name")
    if not isinstance(name, Mapping) or not isinstance(name.get("zh"), str) or not name.get("zh"):
        raise InvalidInput(N_("{where}: name must be {{\"zh\": …, \"en\": …}}"), where=where)
    return name["zh"], str(name.get("en") or name["zh"])


def check_document(document: Mapping[str, Any]) -> int:
    """The version number of a well-formed document; InvalidInput names the first bad entry."""
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version <= 0:
        raise InvalidInput(N_("the catalogue document needs a positive whole 'version'"))
    categories = {c.get("code") for c in document.get("categories", []) if isinstance(c, Mapping)}
    items = set()
    for index, item in enumerate(document.get("items", [])):
        where = f"items[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str) or not item["code"]:
            raise InvalidInput(N_("{where}: code is required"), where=where)
        if item.get("category") not in categories:
            raise InvalidInput(N_("{where} ({item_code}): unknown category {category!r}"),
                               where=where, item_code=item['code'], category=item.get('category'))
        if item.get("kind") not in KINDS:
            raise InvalidInput(N_("{where} ({item_code}): kind must be instant or reviewed"),
                               where=where, item_code=item['code'])
        _name(item, where)
        items.add(item["code"])
    for index, bundle in enumerate(document.get("bundles", [])):
        missing = [i for i in bundle.get("items", []) if i not in items]
        if missing:
            raise InvalidInput(N_("bundles[{index}] ({bundle}): unknown item(s) {codes}"),
                               index=index, bundle=bundle.get('code'), codes=', '.join(missing))
    return version


def applied_version(storage: Storage) -> int | None:
    with storage.read() as db:
        return repo.get_setting(db, SETTING)


def apply_version(storage: Storage, document: Mapping[str, Any], clock: Clock, actor: str = "prefecture") -> Applied:
    """Apply *document* if it is newer than the hall's version, in one audited transaction."""
    version = check_document(document)
    with storage.write() as db:
        previous = repo.get_setting(db, SETTING)
        if previous is not None and version <= previous:
            return Applied(version, previous, (), (), ())
        for position, category in enumerate(document.get("categories", [])):
            zh, en = _name(category, f"category {category.get('code')}")
            db.execute(
                "INSERT INTO categories (code, letter, name_zh, name_en, position) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (code) DO UPDATE SET letter = excluded.letter, name_zh = excluded.name_zh, "
                "name_en = excluded.name_en, position = excluded.position",
                [category["code"], category["letter"], zh, en, category.get("position", position)])
        existing = {r["code"]: dict(r) for r in db.execute("SELECT * FROM service_items").fetchall()}
        added, changed = [], []
        for position, item in enumerate(document.get("items", [])):
            zh, en = _name(item, f"item {item['code']}")
            values = {"code": item["code"], "category": item["category"], "name_zh": zh, "name_en": en,
                      "kind": item["kind"], "time_limit_days": int(item.get("time_limit_days", 0)),
                      "avg_service_minutes": float(item.get("avg_service_minutes", 8)),
                      "guide": json.dumps(item.get("guide", {}), ensure_ascii=False),
                      "item_code": item.get("item_code"), "item_version": item.get("item_version"),
                      "position": position}
            before = existing.get(item["code"])
            if before is None:
                db["service_items"].insert({**values, "active": 0})
                added.append(item["code"])
            elif any(before.get(k) != v for k, v in values.items()):
                db["service_items"].update(item["code"], values)
                changed.append(item["code"])
        standard = {item["code"] for item in document.get("items", [])}
        retired = sorted(code for code, row in existing.items() if code not in standard and row["active"])
        for code in retired:
            db["service_items"].update(code, {"active": 0})
        _apply_bundles(db, document)
        repo.set_setting(db, SETTING, version)
        result = Applied(version, previous, tuple(added), tuple(changed), tuple(retired))
        audit.record(db, clock, actor, "catalogue.standard_applied", f"version {version}",
                     {"version": previous}, {"version": version, "added": added, "changed": changed,
                                             "retired": retired})
    logger.info("catalogue standard version %s applied (%d added, %d changed, %d retired)", version,
                len(added), len(changed), len(retired))
    return result


def _apply_bundles(db: Any, document: Mapping[str, Any]) -> None:
    codes = []
    for bundle in document.get("bundles", []):
        zh, en = _name(bundle, f"bundle {bundle.get('code')}")
        db.execute(
            "INSERT INTO bundles (code, name_zh, name_en, summary, active, item_code) VALUES (?, ?, ?, ?, 1, ?) "
            "ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, "
            "summary = excluded.summary, item_code = excluded.item_code",
            [bundle["code"], zh, en, json.dumps(bundle.get("summary", {}), ensure_ascii=False),
             bundle.get("item_code")])
        db.execute("DELETE FROM bundle_items WHERE bundle = ?", [bundle["code"]])
        db["bundle_items"].insert_all({"bundle": bundle["code"], "item": item, "position": i}
                                      for i, item in enumerate(bundle.get("items", [])))
        codes.append(bundle["code"])
    if codes:
        db.execute(f"UPDATE bundles SET active = 0 WHERE code NOT IN ({','.join('?' * len(codes))})", codes)


def set_item_enabled(storage: Storage, clock: Clock, actor: str, code: str, enabled: bool) -> None:
    """The hall's own choice: switch a standard item on or off (audited)."""
    with storage.write() as db:
        row = db.execute("SELECT active FROM service_items WHERE code = ?", [code]).fetchone()
        if row is None:
            raise InvalidInput(N_("unknown service item {code!r}"), code=code)
        db["service_items"].update(code, {"active": int(enabled)})
        audit.record(db, clock, actor, "catalogue.item_enabled" if enabled else "catalogue.item_disabled", code,
                     {"active": bool(row[0])}, {"active": enabled})
