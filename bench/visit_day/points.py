"""The distribution points: closed-loop browsers, each serving one household after another.

A point scans a card, reads the visit page, ticks a basket and posts it, then reads the
receipt, as a person at a counter would; every visit is kept as a VisitRecord so that
the checks can hold what the pages said against the database.
"""

import http.client
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from devtools.load.client import CONN_ERROR, ERROR_PAUSE, REFUSAL_RE, Event, LoadRun, Workload

from .pages import VisitPage, parse_receipt, text_of
from .world import Draw

BASKET = 3  # lines a point ticks when it can
SCAN_PATH = "/distribution/scan/"
VISIT_PATH_RE = re.compile(r"^/distribution/visit/(\d+)/$")
RECEIPT_PATH_RE = re.compile(r"^/distribution/visits/(\d+)/$")
EXPECTED = {"scan": 302, "visit": 200, "submit": 302, "receipt": 200}

SERVED = "served"  # a receipt was seen
NOTHING_TO_TAKE = "nothing selectable"  # the page offered no line: no POST


@dataclass
class VisitRecord:
    point: str
    kind: str
    household: int
    outcome: str = ""
    scan_ms: float | None = None
    page_ms: float | None = None
    shown: list = field(default_factory=list)  # ShownLine
    chosen: list = field(default_factory=list)  # package ids ticked, in page order
    posted: bool = False
    visit_id: int | None = None
    receipt: list | None = None  # ReceiptLine
    after_scan: int = 0  # requests after the scan


def path_of(location):
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class VisitDay(LoadRun):
    """LoadRun's sign-in and start barrier; each point then serves visits in a loop."""

    def __init__(self, base_url, world, *, seconds, seed, messages):
        workload = Workload(clients=world.plans, households=[], messages=messages)
        super().__init__(base_url, workload, seconds=seconds, seed=seed)
        self.draw = Draw(world)
        self.records = {plan.username: [] for plan in world.plans}

    def _drive(self, client, plan, rng, events):
        stop = self.t0 + self.seconds
        records = self.records[plan.username]
        step = self._stepper(client, events)
        while time.monotonic() < stop:
            kind, household, code = self.draw.next(rng)
            record = VisitRecord(plan.username, kind, household)
            records.append(record)
            self._visit(record, code, step, rng)
            if record.outcome not in (SERVED, NOTHING_TO_TAKE):
                time.sleep(ERROR_PAUSE)

    def _stepper(self, client, events):
        """step(kind, method, path, fields): one timed request -> (response or None, outcome)."""
        t0 = self.t0

        def step(kind, method, path, fields=None):
            began = time.monotonic()
            try:
                response = client.request(method, path, fields)
            except (OSError, http.client.HTTPException) as error:
                outcome = f"{CONN_ERROR}:{type(error).__name__}"
                events.append(Event(kind, began - t0, time.monotonic() - began, 0, outcome))
                return None, outcome
            outcome = "ok" if response.status == EXPECTED[kind] else f"http_{response.status}"
            events.append(Event(kind, began - t0, response.elapsed, response.status, outcome))
            return response, outcome

        return step

    def _visit(self, record, code, step, rng):
        """Scan, visit page, POST, receipt; the step that stops sets record.outcome."""
        page_path = self._scan(record, code, step)
        if page_path is None:
            return
        form = self._page(record, page_path, step)
        if form is None:
            return
        answer = self._submit(record, page_path, form, step, rng)
        if answer is not None:
            self._receipt(record, answer, step)

    def _scan(self, record, code, step):
        """GET the scan URL; return the visit page's path it redirects to, or None."""
        scan, outcome = step("scan", "GET", f"{SCAN_PATH}?{urlencode({'code': code})}")
        if scan is None or not VISIT_PATH_RE.match(urlsplit(scan.location).path):
            record.outcome = f"scan: {outcome if outcome != 'ok' else 'not to the visit page'}"
            return None
        record.scan_ms = 1000 * scan.elapsed
        return path_of(scan.location)

    def _page(self, record, page_path, step):
        """GET the visit page; return its form if it offers a line to tick, else None."""
        page, outcome = step("visit", "GET", page_path)
        record.after_scan += 1
        if page is None or page.status != 200:
            record.outcome = f"visit page: {outcome}"
            return None
        record.page_ms = 1000 * page.elapsed
        form = VisitPage(page.body)
        record.shown = form.lines
        if not form.found:
            record.outcome = "visit page: no form"
            return None
        if not form.selectable:
            record.outcome = NOTHING_TO_TAKE
            return None
        return form

    def _submit(self, record, page_path, form, step, rng):
        """Tick owed units first, then the others, up to BASKET; POST; return the 302 or None."""
        selectable = form.selectable
        owed = [line for line in selectable if line.status == "owed"]
        others = [line for line in selectable if line.status != "owed"]
        rng.shuffle(others)
        picked = {line.package_id for line in (owed + others)[:BASKET]}
        record.chosen = [line.package_id for line in selectable if line.package_id in picked]
        answer, outcome = step("submit", "POST", page_path, form.submission(picked))
        record.after_scan += 1
        record.posted = answer is not None
        if answer is None:
            record.outcome = f"submit: {outcome}"
            return None
        receipt_path = urlsplit(answer.location).path if answer.status == 302 else ""
        match = RECEIPT_PATH_RE.match(receipt_path)
        if match is None:
            refusal = REFUSAL_RE.search(answer.body.decode("utf-8", "replace"))
            shown = text_of(refusal.group(1)) if refusal else "a field error"
            record.outcome = (
                f"form shown again: {shown}" if answer.status == 200 else f"submit: {outcome}"
            )
            return None
        record.visit_id = int(match.group(1))
        return answer

    def _receipt(self, record, answer, step):
        """GET the receipt and read its lines; a household owed units will come back."""
        receipt, outcome = step("receipt", "GET", path_of(answer.location))
        record.after_scan += 1
        if receipt is None or receipt.status != 200:
            record.outcome = f"receipt: {outcome}"
            return
        record.receipt = parse_receipt(receipt.body, self.workload.messages)
        record.outcome = SERVED if record.receipt is not None else "receipt: no lines table"
        owed_now = any(line.owed_created for line in record.receipt or ())
        self.draw.visited(record.household, owed_now)
