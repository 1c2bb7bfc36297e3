"""Configuration of the hall by managers and admins; every change is audited in its own transaction."""

from __future__ import annotations

import re
from typing import Any

from . import audit
from .accounts import Accounts
from .domain.errors import N_, HallError, InvalidInput, UnknownCounter, UnknownService
from .domain.models import ROLES
from .service import HallService
from .settings_watch import LIVE_FIELDS, SAVED_KEY
from .storage import Storage, repo
from .storage import catalogue_admin as store

CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
GUIDE_KEYS = ("summary", "conditions", "materials", "forms", "basis")
#: Hall settings a manager may change, with their type; defaults come from the [hall] configuration.
SETTING_TYPES: dict[str, type] = {
    "name": str, "name_en": str, "day_start": str, "wait_target_minutes": int, "max_waiting_per_counter": int,
    "pause_alert_minutes": int, "rating_window_seconds": int, "followup_working_days": int,
    "announcement_template": dict, "notices": dict,
}
SETTING_DEFAULTS = {"max_waiting_per_counter": 8, "pause_alert_minutes": 20,
                    "announcement_template": {"zh": "请 {number} 号到 {counter} 号窗口办理",
                                              "en": "Number {number}, please go to counter {counter}"}}
_SETTINGS_KEY = SAVED_KEY


def saved_announcement_template(db: Any, lang: str) -> str | None:
    """The announcement template managers saved for *lang* ("zh", "en" or "bilingual"), if any."""
    saved = (repo.get_setting(db, _SETTINGS_KEY, {}) or {}).get("announcement_template") or {}
    if lang == "bilingual":
        return f"{saved['zh']}\n{saved['en']}" if saved.get("zh") and saved.get("en") else None
    return saved.get(lang) or None


def _text(value: Any, name: str, *, limit: int = 200, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise InvalidInput(N_("{name!r} must be text of 1 to {limit} characters"), name=name, limit=limit)
    return value.strip()


def _code(value: Any, name: str = "code") -> str:
    if not isinstance(value, str) or not CODE.match(value):
        raise InvalidInput(N_("{name!r} must be 1-40 letters, digits, '.', '-' or '_'"), name=name)
    return value


def _number(value: Any, name: str, low: float, high: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(N_("{name!r} must be a number from {low} to {high}"), name=name, low=low, high=high)
    return value


MAX_ALIASES = 20


def _aliases(value: Any) -> list[str]:
    """Aliases (别名) as a list of distinct names of 1 to 20 characters, at most MAX_ALIASES."""
    if not isinstance(value, list) or len(value) > MAX_ALIASES or not all(
            isinstance(a, str) and 0 < len(a.strip()) <= 20 for a in value):
        raise InvalidInput(N_("'aliases' must be a list of at most {max_aliases} names of 1 to 20 characters"),
                           max_aliases=MAX_ALIASES)
    return list(dict.fromkeys(a.strip() for a in value))


def _guide(value: Any) -> dict[str, Any]:
    """A guide as {key: {"zh": …, "en": …}} with lists of lines for all but the summary."""
    if not isinstance(value, dict) or set(value) - set(GUIDE_KEYS):
        raise InvalidInput(N_("'guide' must be an object with keys among {choices}"), choices=', '.join(GUIDE_KEYS))
    guide: dict[str, Any] = {}
    for key, texts in value.items():
        if not isinstance(texts, dict) or set(texts) - {"zh", "en"}:
            raise InvalidInput(N_("guide {key!r} must be {{'zh': …, 'en': …}}"), key=key)
        for lang, text in texts.items():
            ok = isinstance(text, str) if key == "summary" else (
                isinstance(text, list) and all(isinstance(line, str) and len(line) <= 300 for line in text))
            if not ok:
                raise InvalidInput(N_("guide {key}.{lang} must be text") if key == "summary"
                                   else N_("guide {key}.{lang} must be a list of lines"), key=key, lang=lang)
        guide[key] = texts
    return guide


class ItemInBundles(HallError):
    """A service item cannot be retired while active bundles hold it."""

    status = 409
    code = "item_in_bundles"


class StandardInForce(HallError):
    """The prefecture's catalogue standard is in force: the hall only switches items on and off."""

    status = 409
    code = "standard_in_force"


#: What a hall still decides for itself once the prefecture's standard is in force (hall/catalogue_sync.py):
#: which items and bundles are offered, their order on the kiosk, the hall's own search words and its timing.
LOCAL_ITEM_FIELDS = frozenset({"active", "position", "aliases", "avg_service_minutes"})
LOCAL_BUNDLE_FIELDS = frozenset({"active", "aliases"})


def _refuse_standard_edits(db: Any, what: str, code: str, fields: set[str], local: frozenset[str]) -> None:
    """Refuse changes to fields the prefecture's standard owns, once a version of it has been applied."""
    from .catalogue_sync import SETTING

    version = repo.get_setting(db, SETTING)
    owned = sorted(fields - local)
    if version is not None and owned:
        raise StandardInForce(
            N_("{code}: {names} come from the prefecture's catalogue standard (version {version}); "
               "the hall only switches items and bundles on or off, orders them and gives them aliases"),
            code=code, names=", ".join(owned), fields=owned, version=version, what=what)


class HallAdmin:
    """Catalogue, counters, staff and hall settings, changed by a named member of staff."""

    def __init__(self, storage: Storage, service: HallService, accounts: Accounts) -> None:
        self.storage = storage
        self.service = service
        self.accounts = accounts
        self.clock = service.clock

    # ---- reading ------------------------------------------------------------------

    def catalogue(self) -> dict[str, Any]:
        """Everything a manager configures, including inactive items."""
        with self.storage.read() as db:
            return {"categories": store.category_rows(db), "items": store.item_rows(db),
                    "bundles": store.bundle_rows(db), "counters": store.counter_rows(db)}

    def staff(self) -> list[dict[str, Any]]:
        with self.storage.read() as db:
            rows = store.staff_rows(db)
        return [{**r, "roles": r["roles"].split(","), "active": bool(r["active"])} for r in rows]

    # ---- catalogue -------------------------------------------------------------------

    def save_category(self, actor: str, code: str, data: dict[str, Any], *, create: bool) -> dict[str, Any]:
        code = _code(code)
        with self.storage.write() as db:
            _refuse_standard_edits(db, "category", code, set(data) | ({"code"} if create else set()), frozenset())
            before = store.category_row(db, code)
            if create == (before is not None):
                raise InvalidInput(N_("category {code!r} already exists") if create
                                   else N_("category {code!r} does not exist"), code=code)
            values = {**(before or {"code": code, "position": 0}), **self._category_fields(data, before is None)}
            letter = values["letter"]
            holder = store.category_with_letter(db, letter)
            if holder not in (None, code):
                raise InvalidInput(N_("letter {letter} already belongs to category {holder}"),
                                   letter=letter, holder=holder)
            store.save_category(db, values)
            audit.record(db, self.clock, actor, "category.create" if create else "category.update", code, before,
                         values)
        return values

    @staticmethod
    def _category_fields(data: dict[str, Any], required: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "letter" in data or required:
            letter = data.get("letter")
            if not isinstance(letter, str) or not re.fullmatch(r"[A-Z]", letter):
                raise InvalidInput(N_("'letter' must be one capital letter A-Z"))
            out["letter"] = letter
        for name in ("name_zh", "name_en"):
            if name in data or required:
                out[name] = _text(data.get(name), name, limit=60)
        if "position" in data:
            out["position"] = int(_number(data["position"], "position", 0, 10_000))
        return out

    def save_item(self, actor: str, code: str, data: dict[str, Any], *, create: bool) -> dict[str, Any]:
        """Create or change a service item. Retiring one that active bundles hold is refused with their names,
        unless ``remove_from_bundles`` is true: then it leaves those bundles in the same transaction (a bundle
        left empty is retired too), each bundle change audited."""
        code = _code(code)
        data = dict(data)
        remove_from_bundles = data.pop("remove_from_bundles", False)
        if not isinstance(remove_from_bundles, bool):
            raise InvalidInput(N_("'remove_from_bundles' must be true or false"))
        with self.storage.write() as db:
            _refuse_standard_edits(db, "service item", code, set(data) | ({"code"} if create else set()),
                                   LOCAL_ITEM_FIELDS)
            before = store.item_row(db, code)
            if create == (before is not None):
                raise InvalidInput(N_("service item {code!r} already exists") if create
                                   else N_("service item {code!r} does not exist"), code=code)
            values: dict[str, Any] = {**(before or {"code": code, "active": 1, "position": 0, "guide": {},
                                                    "aliases": [], "time_limit_days": 0, "avg_service_minutes": 8,
                                                    "kind": "instant"})}
            values.update(self._item_fields(data, before is None))
            if store.category_row(db, values["category"]) is None:
                raise InvalidInput(N_("there is no category {values_category!r}"), values_category=values['category'])
            if before is not None and before["active"] and not values["active"]:
                self._take_out_of_bundles(db, actor, code, remove=remove_from_bundles)
            store.save_item(db, values)
            audit.record(db, self.clock, actor, "item.create" if create else "item.update", code, before, values)
        return values

    def _take_out_of_bundles(self, db: Any, actor: str, item: str, *, remove: bool) -> None:
        """Before *item* is retired: refuse while active bundles hold it, or take it out of them."""
        holders = store.bundles_holding(db, item)
        if not holders:
            return
        if not remove:
            names = "、".join(f"{b['code']} {b['name_zh']}" for b in holders)
            raise ItemInBundles(N_("service item {item} is part of the bundle(s) {names}; take it out of them "
                                   "first, or retire it with remove_from_bundles"), names=names, item=item,
                                bundles=[b["code"] for b in holders])
        for bundle in holders:
            before = store.bundle_row(db, bundle["code"])
            assert before is not None
            items = [i for i in before["items"] if i != item]
            store.set_bundle_items(db, bundle["code"], items)
            after = {**before, "items": items}
            if not items:
                after["active"] = 0
                store.save_bundle(db, {k: v for k, v in after.items() if k != "items"})
            audit.record(db, self.clock, actor, "bundle.update", bundle["code"], before, after)

    @staticmethod
    def _item_fields(data: dict[str, Any], required: bool) -> dict[str, Any]:
        known = {"category", "name_zh", "name_en", "kind", "time_limit_days", "avg_service_minutes", "guide",
                 "active", "position", "aliases"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(N_("unknown field(s): {fields}"), fields=', '.join(unknown))
        out: dict[str, Any] = {}
        for name in ("category", "name_zh", "name_en"):
            if name in data or required:
                out[name] = _text(data.get(name), name, limit=80)
        if "kind" in data:
            if data["kind"] not in ("instant", "reviewed"):
                raise InvalidInput(N_("'kind' must be 'instant' or 'reviewed'"))
            out["kind"] = data["kind"]
        if "time_limit_days" in data:
            out["time_limit_days"] = int(_number(data["time_limit_days"], "time_limit_days", 0, 365))
        if "avg_service_minutes" in data:
            out["avg_service_minutes"] = float(_number(data["avg_service_minutes"], "avg_service_minutes", 0.5, 240))
        if "position" in data:
            out["position"] = int(_number(data["position"], "position", 0, 10_000))
        if "active" in data:
            out["active"] = 1 if data["active"] else 0
        if "guide" in data:
            out["guide"] = _guide(data["guide"])
        if "aliases" in data:
            out["aliases"] = _aliases(data["aliases"])
        return out

    def save_bundle(self, actor: str, code: str, data: dict[str, Any], *, create: bool) -> dict[str, Any]:
        code = _code(code)
        with self.storage.write() as db:
            _refuse_standard_edits(db, "bundle", code, set(data) | ({"code"} if create else set()),
                                   LOCAL_BUNDLE_FIELDS)
            before = store.bundle_row(db, code)
            if create == (before is not None):
                raise InvalidInput(N_("bundle {code!r} already exists") if create
                                   else N_("bundle {code!r} does not exist"), code=code)
            values = {k: v for k, v in (before or {"code": code, "active": 1, "summary": {}, "aliases": []}).items()
                      if k != "items"}
            for name in ("name_zh", "name_en"):
                if name in data or before is None:
                    values[name] = _text(data.get(name), name, limit=80)
            if "summary" in data:
                if not isinstance(data["summary"], dict):
                    raise InvalidInput(N_("'summary' must be {{'zh': …, 'en': …}}"))
                values["summary"] = {k: _text(v, f"summary.{k}", limit=500) for k, v in data["summary"].items()
                                     if k in ("zh", "en")}
            if "active" in data:
                values["active"] = 1 if data["active"] else 0
            if "aliases" in data:
                values["aliases"] = _aliases(data["aliases"])
            items = self._existing_items(db, data["items"] if "items" in data else (before["items"] if before else []),
                                         active_only=bool(values["active"]))
            store.save_bundle(db, values)
            store.set_bundle_items(db, code, items)
            after = {**values, "items": items}
            audit.record(db, self.clock, actor, "bundle.create" if create else "bundle.update", code, before, after)
        return after

    @staticmethod
    def _existing_items(db: Any, items: Any, *, active_only: bool = False) -> list[str]:
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items) or len(items) > 100:
            raise InvalidInput(N_("'items' must be a list of service item codes"))
        rows = store.item_rows(db)
        known = {r["code"] for r in rows}
        missing = [i for i in items if i not in known]
        if missing:
            raise UnknownService(N_("unknown service item(s): {codes}"), codes=', '.join(missing), code=missing[0])
        retired = [r["code"] for r in rows if r["code"] in items and not r["active"]]
        if active_only and retired:
            raise InvalidInput(N_("service item(s) {codes} are not active; a bundle holds active items only"),
                               codes=', '.join(retired),
                               items=retired)
        return list(dict.fromkeys(items))

    def add_bundle_item(self, actor: str, code: str, item: str) -> dict[str, Any]:
        """Add one service item to a bundle (at its end)."""
        with self.storage.read() as db:
            before = store.bundle_row(db, _code(code))
        if before is None:
            raise UnknownService(N_("unknown bundle {code!r}"), code=code)
        if item in before["items"]:
            return before
        return self.save_bundle(actor, code, {"items": [*before["items"], item]}, create=False)

    def set_counter_items(self, actor: str, number: int, items: Any) -> dict[str, Any]:
        """Which service items counter *number* may serve."""
        with self.storage.write() as db:
            if repo.counter(db, number) is None:
                raise UnknownCounter(N_("there is no counter {number}"), number=number)
            codes = self._existing_items(db, items)
            before = store.counter_items(db, number)
            repo.set_counter_items(db, number, codes)
            audit.record(db, self.clock, actor, "counter.items", f"counter {number}", {"items": before},
                         {"items": sorted(codes)})
        return {"number": number, "items": sorted(codes)}

    def authorise_counter(self, actor: str, number: int, item: str) -> dict[str, Any]:
        """Let counter *number* serve one more item."""
        with self.storage.read() as db:
            current = store.counter_items(db, number)
        return self.set_counter_items(actor, number, sorted({*current, item}))

    # ---- staff (admins) ----------------------------------------------------------------

    @staticmethod
    def _roles(value: Any, allow_clerk_manager: bool) -> list[str]:
        if not isinstance(value, list) or not value or not all(r in ROLES for r in value):
            raise InvalidInput(N_("'roles' must be a non-empty list among {choices}"), choices=', '.join(ROLES))
        if "clerk" in value and {"manager", "admin"} & set(value) and not allow_clerk_manager:
            raise InvalidInput(N_("a clerk may not also be a manager or admin (separation of duties); set "
                                  "allow_clerk_manager to override"))
        return sorted(set(value))

    def add_staff(self, actor: str, data: dict[str, Any]) -> dict[str, Any]:
        roles = self._roles(data.get("roles"), bool(data.get("allow_clerk_manager")))
        username = _text(data.get("username"), "username", limit=64)
        password = data.get("password")
        if not isinstance(password, str):
            raise InvalidInput(N_("'password' is required (at least 8 characters)"))
        with self.storage.read() as db:
            if store.staff_row(db, username) is not None:
                raise InvalidInput(N_("staff member {username!r} already exists"), username=username)
        counter = data.get("counter")
        member = self.accounts.add_staff(username, password, roles, display_name=data.get("display_name") or None,
                                         counter=(int(_number(counter, "counter", 1, 999))
                                                  if counter is not None else None))
        after = {"username": member.username, "display_name": member.display_name, "roles": roles,
                 "counter": member.counter}
        with self.storage.write() as db:
            audit.record(db, self.clock, actor, "staff.create", username, None, after)
        return after

    def update_staff(self, actor: str, username: str, data: dict[str, Any]) -> dict[str, Any]:
        with self.storage.write() as db:
            before = store.staff_row(db, username)
            if before is None:
                raise InvalidInput(N_("there is no staff member {username!r}"), username=username)
            values: dict[str, Any] = {}
            if "roles" in data:
                values["roles"] = ",".join(self._roles(data["roles"], bool(data.get("allow_clerk_manager"))))
            if "display_name" in data:
                values["display_name"] = _text(data["display_name"], "display_name", limit=60)
            if "counter" in data:
                counter = data["counter"]
                if counter is not None and repo.counter(db, int(_number(counter, "counter", 1, 999))) is None:
                    raise UnknownCounter(N_("there is no counter {counter}"), counter=counter)
                values["counter"] = counter
            if "active" in data:
                values["active"] = 1 if data["active"] else 0
                if not data["active"]:
                    store.revoke_tokens(db, username)
            if values:
                store.update_staff(db, username, values)
            after = store.staff_row(db, username)
            audit.record(db, self.clock, actor, "staff.update", username, before, after)
        if "password" in data:
            roles = (after or before)["roles"].split(",")
            self.accounts.add_staff(username, data["password"], roles, display_name=(after or before)["display_name"],
                                    counter=(after or before)["counter"])
            with self.storage.write() as db:
                audit.record(db, self.clock, actor, "staff.password", username, None, {"password": "changed"})
        return {**(after or before), "roles": (after or before)["roles"].split(",")}

    # ---- hall settings --------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """The hall settings in force: configuration defaults overlaid with what managers saved."""
        hall = self.service.hall
        with self.storage.read() as db:
            saved = repo.get_setting(db, _SETTINGS_KEY, {}) or {}
            notices = repo.get_setting(db, "notices", {}) or {}
        base = {name: getattr(hall, name) for name in LIVE_FIELDS}
        return {**base, **SETTING_DEFAULTS, **saved, "notices": notices}

    def update_settings(self, actor: str, data: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(data) - set(SETTING_TYPES))
        if unknown:
            raise InvalidInput(N_("unknown setting(s): {settings}; known: {known}"),
                               settings=', '.join(unknown), known=', '.join(SETTING_TYPES))
        for name, value in data.items():
            kind = SETTING_TYPES[name]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise InvalidInput(N_("{name!r} must be {kind_name}"), name=name, kind_name=kind.__name__)
        self._check_settings(data)
        before = self.settings()
        with self.storage.write() as db:
            saved = {**(repo.get_setting(db, _SETTINGS_KEY, {}) or {}),
                     **{k: v for k, v in data.items() if k != "notices"}}
            repo.set_setting(db, _SETTINGS_KEY, saved)
            if "notices" in data:
                repo.set_setting(db, "notices", data["notices"])
            after = {**before, **data}
            changed = {k: after[k] for k in data if before.get(k) != after[k]}
            audit.record(db, self.clock, actor, "settings.update", "hall", {k: before.get(k) for k in changed}, changed)
        self.apply_settings()
        # Logged, so that every other server process drops its cached settings at once.
        self.service.record_event("settings_changed", data={"keys": sorted(changed)})
        return self.settings()

    @staticmethod
    def _check_settings(data: dict[str, Any]) -> None:
        if "day_start" in data and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", data["day_start"]):
            raise InvalidInput(N_("'day_start' must be HH:MM"))
        ranges = {"wait_target_minutes": (1, 240), "max_waiting_per_counter": (1, 500), "pause_alert_minutes": (1, 480),
                  "rating_window_seconds": (10, 3600), "followup_working_days": (1, 60)}
        for name, (low, high) in ranges.items():
            if name in data:
                _number(data[name], name, low, high)
        for name in ("name", "name_en"):
            if name in data:
                _text(data[name], name, limit=80)
        for name in ("notices", "announcement_template"):
            value = data.get(name)
            if value is not None and (set(value) - {"zh", "en"}):
                raise InvalidInput(N_("{name!r} must be {{'zh': …, 'en': …}}"), name=name)
        template = data.get("announcement_template") or {}
        for _lang, text in template.items():
            if not isinstance(text, str) or "{number}" not in text or "{counter}" not in text or len(text) > 120:
                raise InvalidInput(N_("an announcement template must contain {{number}} and {{counter}}"))
        for _lang, lines in (data.get("notices") or {}).items():
            if not isinstance(lines, list) or not all(isinstance(n, str) and len(n) <= 200 for n in lines):
                raise InvalidInput(N_("notices must be lists of lines"))

    def apply_settings(self) -> None:
        """Let this process use the saved settings at once (every other process within a second)."""
        self.service.settings.invalidate()
