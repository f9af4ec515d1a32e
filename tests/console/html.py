"""Reading a console page as its user sees it: elements, their text and data-* attributes.

``parse(response)`` builds a small tree from the HTML (Python's own parser, no dependency)
and the tests ask it for what is on the page::

    page = parse(response)
    page.one("[data-figure=rentan-active]").text       # "3 / 10"
    page.rows("coverage-table")                         # [["Kedungwuni", "19", ...], ...]
    page.json("bands-data")                             # the chart's data, as the script reads it

Selectors are the few the tests need, for one element each (no descendant combinators):
``tag``, ``#id``, ``.class``, ``[attr]``, ``[attr=value]`` and their combinations in that
order (``table#bills-table``, ``p.message.error``, ``input[name=amount][aria-invalid]``).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# Elements whose end tag may be left out: closed by the next sibling of their kind.
OPTIONAL_END = {"p", "li", "tr", "td", "th", "option", "dt", "dd"}
_SELECTOR = re.compile(
    r"^(?P<tag>[a-z0-9]+)?(?:#(?P<id>[\w-]+))?(?P<classes>(?:\.[\w-]+)*)(?P<attrs>(?:\[[^\]]+\])*)$"
)
_ATTR = re.compile(r"\[(?P<name>[\w:-]+)(?:=(?P<quote>[\"']?)(?P<value>.*?)(?P=quote))?\]")


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    # --- reading ----------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed as a browser shows it."""
        return " ".join(self._raw_text().split())

    def _raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c._raw_text() for c in self.children)

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.attrs

    def __repr__(self) -> str:
        attrs = " ".join(f'{k}="{v}"' if v is not None else k for k, v in self.attrs.items())
        return f"<{self.tag} {attrs}>{self.text[:60]}…"

    # --- finding ----------------------------------------------------------------------

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def all(self, selector: str) -> list[Element]:
        match = _SELECTOR.match(selector.strip())
        if match is None:
            raise ValueError(f"unsupported selector: {selector}")
        wanted = [(a["name"], a["value"]) for a in _ATTR.finditer(match["attrs"] or "")]
        if match["id"]:
            wanted.append(("id", match["id"]))
        classes = set(filter(None, (match["classes"] or "").split(".")))
        found = []
        for element in self.iter():
            if match["tag"] and element.tag != match["tag"]:
                continue
            if not classes <= set((element.attrs.get("class") or "").split()):
                continue
            if all(
                name in element.attrs and (value is None or element.attrs[name] == value)
                for name, value in wanted
            ):
                found.append(element)
        return found

    def one(self, selector: str) -> Element:
        found = self.all(selector)
        assert len(found) == 1, f"{len(found)} elements match {selector!r}: {found}"
        return found[0]

    def first(self, selector: str) -> Element | None:
        found = self.all(selector)
        return found[0] if found else None

    def has(self, selector: str) -> bool:
        return bool(self.all(selector))

    # --- tables and scripts -----------------------------------------------------------

    def rows(self, table_id: str) -> list[list[str]]:
        """The body rows of ``<table id=table_id>``, each as the text of its cells."""
        table = self.one(f"table#{table_id}")
        body = table.first("tbody") or table
        return [
            [cell.text for cell in row.children if isinstance(cell, Element)]
            for row in body.all("tr")
        ]

    def json(self, script_id: str):
        """The JSON that ``{{ value|json_script:script_id }}`` put on the page."""
        return json.loads(self.one(f"script#{script_id}")._raw_text())


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        if tag in OPTIONAL_END and self.current.tag == tag:
            self.current = self.current.parent
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response_or_html) -> Element:
    """The page of a response (or an HTML string) as a tree of elements."""
    html = response_or_html
    if not isinstance(html, str):
        html = response_or_html.content.decode()
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
