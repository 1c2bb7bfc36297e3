"""Read the server data a page hands its script: `<script type="application/json" id=…>` blocks."""

from __future__ import annotations

import json
from html.parser import HTMLParser


class _DataBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: dict[str, str] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("type") == "application/json" and found.get("id"):
            self._current = found["id"]
            self.blocks[self._current] = ""

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self.blocks[self._current] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._current = None


def page_data(html: str, element_id: str) -> object:
    """The parsed JSON of the page's data block *element_id* (KeyError if the page has none)."""
    parser = _DataBlocks()
    parser.feed(html)
    return json.loads(parser.blocks[element_id])
