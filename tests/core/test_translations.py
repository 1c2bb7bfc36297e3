"""The gettext catalogues: complete, compiled, and consistent across packages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "translations.py"


def load_tool():
    spec = importlib.util.spec_from_file_location("translations_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalogues_are_complete_compiled_and_agree():
    assert load_tool().problems() == []


def test_the_interface_is_chinese_by_default_and_english_on_switch(client):
    zh = client.get("/lobby").get_data(as_text=True)
    en = client.get("/lobby?lang=en").get_data(as_text=True)
    assert 'lang="zh-CN"' in zh and 'lang="en"' in en
    assert "Offline — reconnecting" in en and "Offline — reconnecting" not in zh
