"""The agent's configuration file (``agent.toml``): where the server is, and the devices on this PC.

```toml
[agent]
server = "https://hall.example.gov.cn"   # or --server
token_file = "/etc/onewindow/agent.token" # or --token / ONEWINDOW_AGENT_TOKEN
state_dir = "/var/lib/onewindow-agent"    # the print journal (default: beside this file)

[[printers]]                              # this kiosk's ticket printer (drivers.printer settings)
kiosk = "kiosk-1"
backend = "serial"
device = "/dev/ttyUSB0"

[[id_card_readers]]
kiosk = "kiosk-1"
port = "/dev/ttyUSB1"

[[keypads]]            # port, address, counter — as in hall.toml
[[evaluator_keypads]]  # port, address, counter
[[led_displays]]       # port, address, counter[, format, baudrate]
```
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from drivers.printer import PrinterConfigError, PrinterSettings
from hall.config import ConfigError, read_toml
from hall.devices import sections
from hall.devices.wire import DeviceDeclaration

SECTIONS = ("agent", "printers", "id_card_readers", "keypads", "evaluator_keypads", "led_displays")
AGENT_KEYS = ("server", "token_file", "state_dir", "name", "probe_seconds", "heartbeat_seconds")


@dataclass(frozen=True)
class AgentConfig:
    """What one agent runs: the server's address, its token, and its devices."""

    server: str = ""
    token: str = ""
    state_dir: Path = Path(".")
    name: str = ""
    #: An idle printer is asked for its state this often: a fault shows on the kiosk within about this long.
    probe_seconds: float = 1.5
    heartbeat_seconds: float = 5.0
    printers: dict[str, PrinterSettings] = field(default_factory=dict)  # by kiosk
    id_card_readers: tuple[dict[str, Any], ...] = ()
    keypads: tuple[dict[str, Any], ...] = ()
    evaluator_keypads: tuple[dict[str, Any], ...] = ()
    led_displays: tuple[dict[str, Any], ...] = ()

    def declarations(self) -> list[DeviceDeclaration]:
        """The devices this agent owns, as it tells the server."""
        found = [DeviceDeclaration("printer", kiosk=kiosk) for kiosk in self.printers]
        found += [DeviceDeclaration("id_card_reader", port=str(r["port"]), kiosk=str(r["kiosk"]))
                  for r in self.id_card_readers]
        for kind, entries in (("keypad", self.keypads), ("evaluator_keypad", self.evaluator_keypads),
                              ("led_display", self.led_displays)):
            found += [DeviceDeclaration(kind, port=str(e["port"]), address=int(e.get("address", 1)),
                                        counter=int(e["counter"])) for e in entries]
        return found


def _printers(raw: Any, base: Path) -> dict[str, PrinterSettings]:
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise ConfigError("[[printers]] must be an array of tables with kiosk and the printer's settings")
    printers: dict[str, PrinterSettings] = {}
    for index, entry in enumerate(raw):
        where = f"[[printers]] entry {index + 1}"
        options = dict(entry)
        kiosk = sections.kiosk_id(options.pop("kiosk", None), where)
        if kiosk in printers:
            raise ConfigError(f"{where}: kiosk {kiosk} has a printer already")
        if options.get("path"):
            options["path"] = str((base / str(options["path"])).resolve())
        try:
            printers[kiosk] = PrinterSettings.from_mapping(options)
        except PrinterConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return printers


def parse_agent_config(raw: dict[str, Any], base: Path) -> AgentConfig:
    """An AgentConfig from a parsed agent.toml whose folder is *base*; ConfigError on any problem."""
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    agent = raw.get("agent", {})
    if not isinstance(agent, dict):
        raise ConfigError("[agent] must be a table")
    wrong = sorted(set(agent) - set(AGENT_KEYS))
    if wrong:
        raise ConfigError(f"[agent] unknown setting(s): {', '.join(wrong)}; known: {', '.join(AGENT_KEYS)}")
    for key in ("server", "token_file", "state_dir", "name"):
        if key in agent and not isinstance(agent[key], str):
            raise ConfigError(f"[agent] {key} must be text")
    for key in ("probe_seconds", "heartbeat_seconds"):
        value = agent.get(key, 1.5)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.5 <= value <= 300:
            raise ConfigError(f"[agent] {key} must be a number of seconds from 0.5 to 300")
    token = ""
    if agent.get("token_file"):
        token_path = (base / agent["token_file"]).resolve()
        try:
            token = token_path.read_text(encoding="ascii").strip()
        except OSError as exc:
            raise ConfigError(f"[agent] token_file {token_path}: {exc.strerror or exc}") from None
    config = AgentConfig(
        server=agent.get("server", ""), token=token, name=agent.get("name", ""),
        state_dir=(base / agent.get("state_dir", ".")).resolve(),
        probe_seconds=float(agent.get("probe_seconds", 1.5)),
        heartbeat_seconds=float(agent.get("heartbeat_seconds", 5.0)),
        printers=_printers(raw.get("printers", []), base),
        id_card_readers=sections.parse_id_card_readers(raw.get("id_card_readers", [])),
        keypads=sections.parse_keypads(raw.get("keypads", [])),
        evaluator_keypads=sections.parse_evaluator_keypads(raw.get("evaluator_keypads", [])),
        led_displays=sections.parse_led_displays(raw.get("led_displays", [])),
    )
    if not config.declarations():
        raise ConfigError("the agent has no devices: add [[printers]], [[id_card_readers]], [[keypads]], "
                          "[[evaluator_keypads]] or [[led_displays]]")
    return config


def load_agent_config(path: Path | None, *, server: str | None = None, token: str | None = None,
                      environ: dict[str, str] | None = None) -> AgentConfig:
    """agent.toml, then the command line (--server, --token), then ONEWINDOW_AGENT_TOKEN; checked."""
    env = os.environ if environ is None else environ
    if path is None:
        raise ConfigError("give the agent its devices with --config agent.toml")
    path = Path(path).resolve()
    config = parse_agent_config(read_toml(path), path.parent)
    changes: dict[str, Any] = {}
    if server:
        changes["server"] = server
    if token:
        changes["token"] = token
    elif not config.token and env.get("ONEWINDOW_AGENT_TOKEN"):
        changes["token"] = env["ONEWINDOW_AGENT_TOKEN"].strip()
    config = replace(config, **changes)
    if not config.server.startswith(("http://", "https://")):
        raise ConfigError("the hall server's address (--server or [agent] server) must start with http:// or https://")
    if not config.token:
        raise ConfigError("the agent's device token is missing: --token, [agent] token_file or "
                          "ONEWINDOW_AGENT_TOKEN (onewindow device add agent prints it)")
    return config
