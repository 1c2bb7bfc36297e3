"""agent.toml and the hall's new device sections: checked at start, with messages that say where and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import load_agent_config, parse_agent_config
from agent.journal import PrintJournal
from hall.config import ConfigError, parse_config
from hall.devices import agent_printers, own_printers, routed_printers

PRINTER = '[[printers]]\nkiosk = "kiosk-1"\nbackend = "serial"\ndevice = "/dev/ttyUSB0"\n'


def test_an_agent_toml_lists_its_devices_and_takes_its_token_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "agent.token").write_text("secret-token\n", encoding="ascii")
    path = tmp_path / "agent.toml"
    path.write_text('[agent]\nserver = "http://10.0.0.2:5000"\ntoken_file = "agent.token"\nstate_dir = "var"\n'
                    + PRINTER + '[[id_card_readers]]\nkiosk = "kiosk-1"\nport = "/dev/ttyUSB1"\n'
                    '[[led_displays]]\nport = "/dev/ttyUSB2"\naddress = 3\ncounter = 3\n', encoding="utf-8")
    config = load_agent_config(path, environ={})
    assert config.token == "secret-token" and config.state_dir == tmp_path / "var"
    assert [d.key for d in config.declarations()] == ["printer:kiosk-1", "idcard:kiosk-1", "led_display:/dev/ttyUSB2#3"]
    assert config.printers["kiosk-1"].device == "/dev/ttyUSB0"
    assert load_agent_config(path, token="from-the-command-line", environ={}).token == "from-the-command-line"


@pytest.mark.parametrize(("text", "message"), [
    ("[agnet]\n", "unknown section(s): agnet"),
    ("[agent]\nserver = 1\n" + PRINTER, "[agent] server must be text"),
    ("[agent]\nprobe_seconds = 0\n" + PRINTER, "probe_seconds must be a number of seconds from 0.5 to 300"),
    ("[agent]\n", "the agent has no devices"),
    ('[[printers]]\nkiosk = "kiosk 1"\nbackend = "dummy"\n', "kiosk must be 1-40 letters"),
    ('[[printers]]\nkiosk = "kiosk-1"\nbackend = "serial"\n', "printer.device is required for the serial backend"),
    (PRINTER + PRINTER, "kiosk kiosk-1 has a printer already"),
    ('[[id_card_readers]]\nkiosk = "kiosk-1"\n', "port must be a serial port path or URL"),
    ('[[led_displays]]\nport = "/dev/x"\naddress = 0\ncounter = 1\n', "'address' must be an integer 1..254"),
    ('[[keypads]]\nport = "/dev/x"\naddress = 1\ncounter = 1\ncolour = "red"\n', "unknown setting(s) colour"),
])
def test_a_wrong_agent_toml_says_where(tmp_path: Path, text: str, message: str) -> None:
    import tomllib

    with pytest.raises(ConfigError) as error:
        parse_agent_config(tomllib.loads(text), tmp_path)
    assert message in str(error.value)


def test_the_server_and_the_token_are_required(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(PRINTER, encoding="utf-8")
    with pytest.raises(ConfigError, match="must start with http"):
        load_agent_config(path, token="t", environ={})
    with pytest.raises(ConfigError, match="device token is missing"):
        load_agent_config(path, server="http://hall:5000", environ={})
    assert load_agent_config(path, server="http://hall:5000", environ={"ONEWINDOW_AGENT_TOKEN": "t"}).token == "t"


def test_the_hall_toml_puts_a_kiosks_printer_on_its_agent_and_checks_the_new_sections() -> None:
    config = parse_config({"kiosks": [{"id": "kiosk-1", "printer": {"backend": "agent"}}, {"id": "kiosk-2"}],
                           "printing": {"give_up_seconds": 45}, "id_card": {"required_items": ["A02"]},
                           "led": {"idle": "欢迎"}, "led_displays": [{"port": "/dev/x", "address": 1, "counter": 1}],
                           "id_card_readers": [{"port": "/dev/y", "kiosk": "kiosk-2"}]})
    assert agent_printers(config) == {"printer:kiosk-1"}
    assert set(own_printers(config)) == {"printer"} and routed_printers(config) == {"printer", "printer:kiosk-1"}
    assert config.printing.give_up_seconds == 45 and config.id_card.required_items == ("A02",)
    assert config.id_card_readers[0]["baudrate"] == 115200
    for raw, message in (
        ({"kiosks": [{"id": "k", "printer": {"backend": "agent", "device": "/dev/x"}}]}, "set up in the agent's"),
        ({"printing": {"give_up_seconds": 1}}, "give_up_seconds must be 5..3600"),
        ({"id_card": {"required_items": "A02"}}, "required_items must be a list"),
        ({"led": {"call": "请{name}"}}, "[led]"),
        ({"id_card_readers": [{"port": "/a", "kiosk": "k"}, {"port": "/b", "kiosk": "k"}]}, "has a reader already"),
    ):
        with pytest.raises(ConfigError) as error:
            parse_config(raw)
        assert message in str(error.value)


def test_the_journal_tells_printed_from_interrupted_and_forgets_refused_jobs(tmp_path: Path) -> None:
    journal = PrintJournal(tmp_path)
    journal.begin(7, "printer:kiosk-1")
    journal.begin(8, "printer:kiosk-1")
    journal.printed(7, "printer:kiosk-1")
    journal.begin(9, "printer:kiosk-1")
    journal.forget(9)
    journal.close()
    again = PrintJournal(tmp_path)  # what survives the agent's restart
    assert (again.state(7), again.state(8), again.state(9)) == ("printed", "sending", None)
    again.forget(7)  # a printed job is never forgotten
    assert again.state(7) == "printed"
    again.close()
