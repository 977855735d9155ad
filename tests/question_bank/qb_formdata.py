"""Test helpers: a minimal MultiDict and an HTML form reader (no Flask needed)."""
from html.parser import HTMLParser


class MultiDict(dict):
    """Just enough of werkzeug's MultiDict: values are lists."""

    def add(self, key, value):
        self.setdefault(key, []).append(value)

    def getlist(self, key):
        return list(dict.get(self, key, []))

    def get(self, key, default=None):
        values = dict.get(self, key)
        return values[0] if values else default


class FormReader(HTMLParser):
    """Collects what a browser would submit: checked radios/checkboxes, selected options."""

    def __init__(self):
        super().__init__()
        self.data = MultiDict()
        self.names = set()
        self.ids, self.label_for = [], []
        self.control_ids = []  # ids of form controls (input, select, textarea): each needs a label
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
            if tag in ("input", "select", "textarea"):
                self.control_ids.append(a["id"])
        if tag == "label" and "for" in a:
            self.label_for.append(a["for"])
        if tag == "input" and a.get("type") in ("radio", "checkbox"):
            self.names.add(a["name"])
            if "checked" in a:
                self.data.add(a["name"], a["value"])
        elif tag == "select":
            self._select = a["name"]
            self.names.add(a["name"])
        elif tag == "option" and self._select and "selected" in a:
            self.data.add(self._select, a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def read_form(html):
    reader = FormReader()
    reader.feed(html)
    return reader
