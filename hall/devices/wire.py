"""What a device agent and the hall server say to each other on the ``/agent`` Socket.IO namespace.

The agent owns the drivers (serial ports, printers); the hall's device classes — print stations,
keypad services, evaluator keypads, LED strips, the kiosk's card desk — run on the server and drive
them through this small vocabulary. Pure functions: each ``*_from_wire`` checks what arrives and
raises ``WireError`` (a message without the values, since some carry personal data).

Agent → server: ``hello`` (the devices it owns; the answer says which the hall accepts, and the
LED texts), ``status`` (a device's state), ``key`` (a caller keypad key), ``rating_key`` and
``evaluator_hello`` (an evaluator), ``card`` (an ID card read), ``heartbeat``.
Server → agent: ``print`` (a job and its ticket's layout; the answer is the printer's result),
``keypad`` (show, beep), ``evaluator`` (prompt, idle, thanks, answer) and ``led`` (show a text).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, get_args

from drivers.idcard import IdCard, mask_id_number, mask_name
from drivers.keypad import Action, KeyPress
from drivers.led import Effect, LedContent
from drivers.ticket import TicketLayout

KINDS = ("printer", "keypad", "evaluator_keypad", "led_display", "id_card_reader")
KEYPAD_ACTIONS: tuple[str, ...] = get_args(Action)
#: The longest text any field of a message may carry (ports, names, device states).
MAX_TEXT = 300


class WireError(ValueError):
    """A message from the other side is not what the protocol says."""


def text(data: Any, key: str, *, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    """A text field of a message."""
    value = data.get(key) if isinstance(data, dict) else None
    if (value is None or value == "") and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise WireError(f"{key!r} must be a text of 1-{limit} characters")
    return value


def number(data: Any, key: str, *, low: int = 0, high: int = 2**31 - 1, required: bool = True) -> int | None:
    """A whole-number field of a message."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise WireError(f"{key!r} must be a whole number {low}..{high}")
    return value


# ---- the devices an agent owns ----------------------------------------------------------------

@dataclass(frozen=True)
class DeviceDeclaration:
    """One device an agent owns: a kiosk's printer or ID-card reader, a counter's keypad, evaluator or strip."""

    kind: str
    port: str | None = None
    address: int | None = None
    counter: int | None = None
    kiosk: str | None = None

    @property
    def key(self) -> str:
        """How the agent and the server name this device between them."""
        if self.kind == "printer":
            return f"printer:{self.kiosk}"
        if self.kind == "id_card_reader":
            return f"idcard:{self.kiosk}"
        return f"{self.kind}:{self.port}#{self.address}"

    def to_wire(self) -> dict[str, Any]:
        return {k: v for k, v in (("kind", self.kind), ("port", self.port), ("address", self.address),
                                  ("counter", self.counter), ("kiosk", self.kiosk)) if v is not None}

    @classmethod
    def from_wire(cls, data: Any) -> DeviceDeclaration:
        kind = text(data, "kind")
        if kind not in KINDS:
            raise WireError(f"device kind must be one of {', '.join(KINDS)}")
        if kind in ("printer", "id_card_reader"):
            return cls(kind, port=text(data, "port", required=False), kiosk=text(data, "kiosk", limit=40))
        return cls(kind, port=text(data, "port"), address=number(data, "address", high=255),
                   counter=number(data, "counter", low=1))


def declarations_from_wire(data: Any) -> list[DeviceDeclaration]:
    devices = data.get("devices") if isinstance(data, dict) else None
    if not isinstance(devices, list) or len(devices) > 256:
        raise WireError("'devices' must be a list of at most 256 devices")
    return [DeviceDeclaration.from_wire(device) for device in devices]


# ---- print jobs -------------------------------------------------------------------------------

def layout_to_wire(layout: TicketLayout) -> dict[str, Any]:
    """A ticket's layout as JSON: the agent's printer renders it as the server's would."""
    return {"hall_name": layout.hall_name, "number": layout.number, "service_name": layout.service_name,
            "people_ahead": layout.people_ahead, "estimated_wait_minutes": layout.estimated_wait_minutes,
            "issued_at": layout.issued_at.isoformat(), "status_url": layout.status_url,
            "notices": list(layout.notices), "priority": layout.priority, "lang": layout.lang}


def layout_from_wire(data: Any) -> TicketLayout:
    if not isinstance(data, dict):
        raise WireError("'layout' must be an object")
    notices = data.get("notices", [])
    if not isinstance(notices, list) or not all(isinstance(n, str) and len(n) <= 500 for n in notices):
        raise WireError("'notices' must be a list of texts")
    try:
        issued = datetime.fromisoformat(text(data, "issued_at", limit=40) or "")
    except ValueError:
        raise WireError("'issued_at' must be an ISO date and time") from None
    return TicketLayout(
        hall_name=text(data, "hall_name") or "", number=text(data, "number", limit=16) or "",
        service_name=text(data, "service_name", limit=500) or "",
        people_ahead=number(data, "people_ahead") or 0,
        estimated_wait_minutes=number(data, "estimated_wait_minutes") or 0, issued_at=issued,
        status_url=text(data, "status_url", limit=500) or "", notices=tuple(notices),
        priority=data.get("priority") is True, lang=text(data, "lang", limit=5) or "zh")


def print_result_from_wire(data: Any) -> tuple[bool, str | None]:
    """The printer's answer to a job: (printed, error)."""
    if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
        raise WireError("a print answer is {'ok': true|false, 'error': text}")
    return data["ok"], text(data, "error", required=False)


# ---- keypads and evaluators ---------------------------------------------------------------------

def key_to_wire(port: str, counter: str, key: KeyPress) -> dict[str, Any]:
    return {"port": port, "counter": counter, "action": key.action, "address": key.address, "data": key.data.hex()}


def key_from_wire(data: Any) -> tuple[str, str, KeyPress]:
    """(port, counter, key) of a ``key`` message."""
    action = text(data, "action", limit=20)
    if action not in KEYPAD_ACTIONS:
        raise WireError("unknown keypad action")
    try:
        digits = bytes.fromhex(text(data, "data", required=False, limit=64) or "")
    except ValueError:
        raise WireError("'data' must be hex digits") from None
    counter = text(data, "counter", limit=10) or ""
    return text(data, "port") or "", counter, KeyPress(action, number(data, "address", high=255) or 0, digits)  # type: ignore[arg-type]


def led_to_wire(port: str, address: int, content: LedContent) -> dict[str, Any]:
    return {"port": port, "address": address, "text": content.text, "effect": int(content.effect)}


def led_from_wire(data: Any) -> tuple[str, int, LedContent]:
    effect = number(data, "effect", high=255) or 0
    try:
        content = LedContent(text(data, "text", limit=250) or "", Effect(effect))
    except ValueError:
        raise WireError("unknown LED effect") from None
    return text(data, "port") or "", number(data, "address", high=255) or 0, content


# ---- ID cards ---------------------------------------------------------------------------------

@dataclass(frozen=True, repr=False)
class CardHolder:
    """The name and ID number of a card read at a kiosk, and until when the card is valid; never logged."""

    name: str
    id_number: str
    valid_until: date | None

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def __repr__(self) -> str:
        return f"CardHolder(name={self.masked_name!r}, id_number={self.masked_id_number!r})"

    __str__ = __repr__


def card_to_wire(kiosk: str, card: IdCard) -> dict[str, Any]:
    """Only what the hall needs of a card: no address, photo, birth date or nation leaves the kiosk PC."""
    return {"kiosk": kiosk, "name": card.name, "id_number": card.id_number,
            "valid_until": card.valid_until.isoformat() if card.valid_until else None}


def card_from_wire(data: Any) -> tuple[str, CardHolder]:
    """(kiosk, holder) of a ``card`` message."""
    kiosk = text(data, "kiosk", limit=40) or ""
    name = text(data, "name", limit=30) or ""
    id_number = text(data, "id_number", limit=18) or ""
    until = text(data, "valid_until", required=False, limit=10)
    try:
        valid_until = date.fromisoformat(until) if until else None
    except ValueError:
        raise WireError("'valid_until' must be a date") from None
    return kiosk, CardHolder(name, id_number.upper(), valid_until)
