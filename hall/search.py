"""Kiosk search over the catalogue: Chinese text, English words, full pinyin and pinyin initials ("ylbx").

Pure: the caller passes the catalogue entries; pypinyin spells the Chinese names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, pinyin

_SPACES = re.compile(r"[\s'·\-_]+")


@dataclass(frozen=True)
class Searchable:
    """One thing a citizen can take a ticket for, as the search sees it."""

    kind: str  # "item" or "bundle"
    code: str
    name_zh: str
    name_en: str
    category_zh: str = ""


@dataclass(frozen=True)
class _Entry:
    target: Searchable
    initials: tuple[frozenset[str], ...]  # every reading's first letter, one set per Han character
    spelled: tuple[str, ...]  # full pinyin (every reading joined), to match "yanglao"
    category_initials: tuple[frozenset[str], ...]


def _readings(text: str) -> list[list[str]]:
    """Every pinyin reading of each Han character of *text* (other characters are dropped)."""
    return pinyin(text, style=Style.NORMAL, heteronym=True, errors="ignore")


def _initials(readings: list[list[str]]) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(r[0] for r in options if r) for options in readings)


def _entry(target: Searchable) -> _Entry:
    readings = _readings(target.name_zh)
    return _Entry(target, _initials(readings), ("".join(options[0] for options in readings),),
                  _initials(_readings(target.category_zh)))


@lru_cache(maxsize=8)
def _index(targets: tuple[Searchable, ...]) -> tuple[_Entry, ...]:
    return tuple(_entry(t) for t in targets)


def _initials_at(initials: Sequence[frozenset[str]], query: str) -> int:
    """Where *query* matches a run of first letters (any reading of each character), or -1."""
    for start in range(len(initials) - len(query) + 1):
        if all(query[j] in initials[start + j] for j in range(len(query))):
            return start
    return -1


def _rank(entry: _Entry, raw: str, compact: str) -> tuple[int, int] | None:
    """(how good, where) for a match of the query, or None; lower is better."""
    target = entry.target
    name_zh = _SPACES.sub("", target.name_zh)
    if compact and compact in name_zh:
        return (0, name_zh.index(compact))
    if compact.upper() == target.code.upper():
        return (0, 0)
    if compact.isascii() and compact.isalpha():
        where = _initials_at(entry.initials, compact)
        if where >= 0:
            return (1, where)
        for spelled in entry.spelled:
            if len(compact) >= 3 and compact in spelled:
                return (2, spelled.index(compact))
    if len(raw) >= 3 and raw in target.name_en.lower():
        return (2, target.name_en.lower().index(raw))
    if compact and target.category_zh and (compact in target.category_zh or (
            compact.isascii() and compact.isalpha() and _initials_at(entry.category_initials, compact) >= 0)):
        return (3, 0)
    return None


def search(targets: Iterable[Searchable], query: str, limit: int = 24) -> list[Searchable]:
    """The items and bundles matching *query*, best first (empty query: nothing)."""
    raw = query.strip().lower()[:40]
    compact = _SPACES.sub("", raw)
    if not compact:
        return []
    ranked = []
    for position, entry in enumerate(_index(tuple(targets))):
        rank = _rank(entry, raw, compact)
        if rank is not None:
            ranked.append((rank, len(entry.target.name_zh), position, entry.target))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked[:limit]]
