"""Kiosk search over the catalogue: Chinese text, English words, full pinyin and pinyin initials ("ylbx"),
of each item's name and of its aliases, the names people actually say ("社保卡", "失业金", "补卡" / "bk").

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
    aliases: tuple[str, ...] = ()  # common names (别名): "社保卡" for 社会保障卡申领


Initials = tuple[frozenset[str], ...]  # every reading's first letter, one set per Han character


@dataclass(frozen=True)
class _Entry:
    target: Searchable
    name: str  # the Chinese name without spaces
    aliases: tuple[str, ...]  # the aliases without spaces
    initials: Initials
    alias_initials: tuple[Initials, ...]
    spelled: tuple[str, ...]  # full pinyin of the name and of each alias, to match "yanglao"
    category_initials: Initials


def _readings(text: str) -> list[list[str]]:
    """Every pinyin reading of each Han character of *text* (other characters are dropped)."""
    return pinyin(text, style=Style.NORMAL, heteronym=True, errors="ignore")


def _initials(readings: list[list[str]]) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(r[0] for r in options if r) for options in readings)


def _spelled(readings: list[list[str]]) -> str:
    return "".join(options[0] for options in readings)


def _entry(target: Searchable) -> _Entry:
    readings = _readings(target.name_zh)
    alias_readings = [_readings(alias) for alias in target.aliases]
    return _Entry(target, _SPACES.sub("", target.name_zh), tuple(_SPACES.sub("", a) for a in target.aliases),
                  _initials(readings), tuple(_initials(r) for r in alias_readings),
                  (_spelled(readings), *(_spelled(r) for r in alias_readings)),
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
    """(how good, where) for a match of the query, or None; lower is better.

    The item's own name first, then its aliases: characters, then pinyin initials, then full pinyin or
    English words, then the category.
    """
    target = entry.target
    if compact in entry.name:
        return (0, entry.name.index(compact))
    if compact.upper() == target.code.upper():
        return (0, 0)
    # An alias said in full ("医保") before one that contains it ("医保卡").
    in_alias = [-1 if alias == compact else alias.index(compact) for alias in entry.aliases if compact in alias]
    if in_alias:
        return (1, min(in_alias))
    if compact.isascii() and compact.isalpha():
        # The initials of a whole alias ("yb" = 医保) before a run inside a name (失业保险 holds "yb" too).
        if any(len(i) == len(compact) and _initials_at(i, compact) == 0 for i in entry.alias_initials):
            return (2, -1)
        where = _initials_at(entry.initials, compact)
        if where >= 0:
            return (2, where)
        alias_where = [w for w in (_initials_at(i, compact) for i in entry.alias_initials) if w >= 0]
        if alias_where:
            return (3, min(alias_where))  # "bk" is 补卡 before it is 社保卡
        for spelled in entry.spelled:
            if len(compact) >= 3 and compact in spelled:
                return (4, spelled.index(compact))
    if len(raw) >= 3 and raw in target.name_en.lower():
        return (4, target.name_en.lower().index(raw))
    if compact and target.category_zh and (compact in target.category_zh or (
            compact.isascii() and compact.isalpha() and _initials_at(entry.category_initials, compact) >= 0)):
        return (5, 0)
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
