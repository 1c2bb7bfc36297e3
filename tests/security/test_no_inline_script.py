"""Every template keeps script out of the markup, so a Content-Security-Policy without 'unsafe-inline' holds.

Server data reaches a page's script through `data-*` attributes or `<script type="application/json" id=…>`
blocks; code lives in static .js files and styles in .css files. The browser check of the policy itself is in
tests/security/test_headers_browser.py; this one names the template and line that would break it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for package in ("hall", "kiosk", "caller", "lobby_display", "evaluator")
                   for p in (ROOT / package).rglob("templates/**/*.html"))
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


class _InlineFinder(HTMLParser):
    """Collects (line, what) for every inline script, event handler, javascript: URL and inline style."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[tuple[int, str]] = []
        self._script: tuple[int, bool] | None = None  # (line, has a src or is a data block)
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        found = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append((line, f"event handler {name}= on <{tag}>"))
            if (name in ("href", "src", "action", "formaction")
                    and (value or "").strip().lower().startswith("javascript:")):
                self.problems.append((line, f"javascript: URL in {name}= on <{tag}>"))
            if name == "style":
                self.problems.append((line, f"style= attribute on <{tag}>"))
        if tag == "script":
            self._script = (line, "src" in found or found.get("type") == "application/json")
            self._text = ""
        if tag == "style":
            self.problems.append((line, "<style> element"))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            line, allowed = self._script
            if not allowed and self._text.strip():
                self.problems.append((line, "inline <script>"))
            self._script = None


def inline_parts(template: Path) -> list[tuple[int, str]]:
    # Jinja tags may hold quotes and angle brackets: blank them, keeping line numbers.
    text = JINJA.sub(lambda m: re.sub(r"[^\n]", "x", m.group(0)), template.read_text(encoding="utf-8"))
    finder = _InlineFinder()
    finder.feed(text)
    finder.close()
    return finder.problems


def test_the_templates_are_found():
    assert len(TEMPLATES) >= 25
    assert any(t.name == "panel.html" for t in TEMPLATES) and any(t.name == "lobby.html" for t in TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_script_handler_or_style(template: Path):
    assert inline_parts(template) == []


def test_the_finder_sees_what_it_must_refuse(tmp_path: Path):
    bad = tmp_path / "bad.html"
    bad.write_text('<p>\n<script>var x = {{ data|tojson }};</script>\n<button onclick="go()">x</button>\n'
                   '<a href="javascript:go()">x</a>\n<div style="color: red"></div>\n<style>p {}</style>\n'
                   '<script type="application/json" id="d">{{ d|tojson }}</script>\n<script src="/a.js"></script>\n',
                   encoding="utf-8")
    assert [what for _, what in inline_parts(bad)] == [
        "inline <script>", "event handler onclick= on <button>", "javascript: URL in href= on <a>",
        "style= attribute on <div>", "<style> element"]
