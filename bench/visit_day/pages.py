"""What a browser reads from the pages: the visit form's controls and lines, the receipt.

Parsed from the HTML as a person sees it, not from the database, so that the checks
compare what the points were shown with what was recorded.
"""

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import NamedTuple


class Control(NamedTuple):
    name: str
    type: str
    value: str
    checked: bool


@dataclass
class ShownLine:
    package_id: int
    selectable: bool
    name: str = ""
    status: str = ""  # eligible, owed, out of stock, not eligible (the badge)
    on_hand: int | None = None
    due: int | None = None


class VisitPage(HTMLParser):
    """The controls of form#visit-form in document order, and each basket line shown."""

    def __init__(self, body):
        super().__init__(convert_charrefs=True)
        self.found = False
        self.controls = []
        self.lines = []
        self._form = False
        self._line = None
        self._text = []
        self.feed(body.decode("utf-8", "replace"))
        self.close()
        dues = {c.name: c.value for c in self.controls if c.name.startswith("due_")}
        for line in self.lines:
            due = dues.get(f"due_{line.package_id}", "")
            line.due = int(due) if due.isdigit() else None

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = values.get("id") == "visit-form"
            self.found |= self._form
        elif self._form and tag == "input" and values.get("name"):
            kind = (values.get("type") or "text").lower()
            checked = any(name == "checked" for name, _ in attrs)
            self.controls.append(Control(values["name"], kind, values.get("value", ""), checked))
        elif self._form and tag == "li":
            classes = values.get("class", "").split()
            if "visit-line" in classes or "visit-line-blocked" in classes:
                self._line = ShownLine(int(values["data-package"]), "visit-line" in classes)
                self._text = []
                self.lines.append(self._line)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = False
        elif tag == "li" and self._line is not None:
            words = [t.strip() for t in self._text if t.strip()]
            text = " ".join(words)
            line = self._line
            line.name = words[0] if words else ""
            on_hand = re.search(r"(\d+) on hand", text)
            line.on_hand = int(on_hand.group(1)) if on_hand else None
            for status in ("Owed", "Eligible", "Out of stock", "Not eligible"):
                if re.search(rf"\b{status}\b", text):
                    line.status = status.lower()
                    break
            self._line = None

    def handle_data(self, data):
        if self._line is not None:
            self._text.append(data)

    @property
    def selectable(self):
        return [line for line in self.lines if line.selectable]

    def submission(self, chosen):
        """The fields a browser sends once the boxes of `chosen` (package ids) alone are ticked."""
        fields = []
        for control in self.controls:
            if control.type == "checkbox":
                pk = control.name.removeprefix("take_")
                if pk.isdigit() and int(pk) in chosen:
                    fields.append((control.name, control.value or "on"))
            elif control.type not in ("submit", "button", "image", "reset"):
                fields.append((control.name, control.value))
        return fields


@dataclass
class ReceiptLine:
    name: str
    log_id: int | None
    status: str  # success or failed
    code: str | None
    quantity: int | None
    owed_created: int | None  # "N owed until ..."
    owed_units: bool  # a hand-out of owed units


RECEIPT_BODY_RE = re.compile(r'id="visit-lines".*?<tbody>(.*?)</tbody>', re.DOTALL)
ROW_RE = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
CELL_RE = re.compile(r"<td>(.*?)</td>", re.DOTALL)
TAG_RE = re.compile(r"<[^>]+>")


def text_of(fragment):
    """The text of an HTML fragment, its tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(TAG_RE.sub(" ", fragment)).split())


def parse_receipt(body, messages):
    """Each line of a visit receipt as a person reads it, or None if there is no table."""
    match = RECEIPT_BODY_RE.search(body.decode("utf-8", "replace"))
    if match is None:
        return None
    lines = []
    for row in ROW_RE.findall(match.group(1)):
        cells = [text_of(cell) for cell in CELL_RE.findall(row)]
        if len(cells) != 3:
            continue
        name, quantity, outcome = cells
        log_id = re.search(r"log #(\d+)", outcome)
        owed = re.search(r"(\d+) owed until", outcome)
        code = next((code for message, code in messages.items() if message in outcome), None)
        lines.append(
            ReceiptLine(
                name=name,
                log_id=int(log_id.group(1)) if log_id else None,
                status="success" if outcome.startswith("Success") else "failed",
                code=code,
                quantity=int(quantity) if quantity.isdigit() else None,
                owed_created=int(owed.group(1)) if owed else None,
                owed_units="(owed units)" in outcome,
            )
        )
    return lines
