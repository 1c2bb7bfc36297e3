"""Configuration: TOML with defaults, validated with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.config import ConfigError, load_config, parse_config
from hall.web import create_app


def test_defaults():
    config = load_config(None, environ={})
    assert config.hall.timezone == "Asia/Shanghai"
    assert config.routing.policy == "one-window"
    assert config.printer.backend == "dummy" and config.speech.backend == "none"


def test_full_file(tmp_path: Path):
    path = tmp_path / "hall.toml"
    path.write_text(
        '[hall]\nname = "楚雄市社保服务大厅"\ntimezone = "Asia/Shanghai"\nday_start = "03:30"\n'
        '[printer]\nbackend = "file"\npath = "tickets.bin"\n'
        '[speech]\nbackend = "wav"\ndir = "speech"\n'
        '[routing]\npolicy = "dedicated"\n'
        '[server]\ndb = "x.db"\n', encoding="utf-8")
    config = load_config(path, environ={"ONEWINDOW_INSTANCE": str(tmp_path / "inst")})
    assert config.hall.name == "楚雄市社保服务大厅" and config.hall.day_start_time.minute == 30
    assert config.printer.as_mapping() == {"backend": "file", "path": "tickets.bin"}
    assert config.routing.policy == "dedicated"
    assert str(config.db_path) == "x.db" and config.instance_path == tmp_path / "inst"
    # Every relative path of the file resolves against the instance folder.
    assert config.database == tmp_path / "inst" / "x.db"
    assert config.resolve("tickets.bin") == tmp_path / "inst" / "tickets.bin"


def test_the_instance_folder_defaults_to_the_configuration_files_folder(tmp_path: Path, monkeypatch):
    (tmp_path / "hall").mkdir()
    path = tmp_path / "hall" / "hall.toml"
    path.write_text('[speech]\nbackend = "wav"\ndir = "speech"\n[server]\ndb = "onewindow.db"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("hall/hall.toml"), environ={})
    assert config.instance_path == tmp_path / "hall"
    assert config.database == tmp_path / "hall" / "onewindow.db"
    assert config.resolve(config.speech.as_mapping()["dir"]) == tmp_path / "hall" / "speech"


@pytest.mark.parametrize("raw, message", [
    ({"hall": {"timezone": "Mars/Base"}}, "not a known time zone"),
    ({"hall": {"day_start": "25:00"}}, "day_start"),
    ({"hall": {"colour": "red"}}, "unknown setting"),
    ({"hall": {"wait_target_minutes": "15"}}, "whole number"),
    ({"printer": {"backend": "laser"}}, "backend must be one of"),
    ({"speech": {"backend": "mp3"}}, "backend must be one of"),
    ({"routing": {"policy": "random"}}, "policy must be one of"),
    ({"lobby2": {}}, "unknown section"),
])
def test_bad_values_give_clear_messages(raw, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(raw)


def test_bad_toml_and_missing_file(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[hall\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, environ={})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", environ={})


def test_driver_settings_are_validated_at_start(config):
    from dataclasses import replace

    from hall.config import PrinterSection

    broken = replace(config, printer=PrinterSection(backend="network", options={}))
    with pytest.raises(ConfigError, match=r"\[printer\].*host"):
        create_app(broken)


def test_secret_key_is_generated_once_and_kept(config):
    first = create_app(config)
    key = first.config["SECRET_KEY"]
    first.extensions["onewindow"].close()
    second = create_app(config)
    assert second.config["SECRET_KEY"] == key and len(key) >= 32
    assert (config.instance_path / "secret_key").stat().st_mode & 0o077 == 0
    second.extensions["onewindow"].close()
