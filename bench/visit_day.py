"""A distribution day over HTTP: cards scanned, baskets served, receipts, then reconciled.

    .venv/bin/python -m bench.visit_day                            # 16 points, 30 s
    .venv/bin/python -m bench.visit_day --smoke                    # 2 points, 5 s, small world
    flock /tmp/aidtracker-bench.lock .venv/bin/python -m bench.visit_day \\
        --points 16 --seconds 30 --database-url mysql://root:@127.0.0.1:3306/aidtracker_visitday

Like bench.load.http (and with its helpers, devtools/load/): creates (if missing) and
migrates the MariaDB database `aidtracker_visitday` on 127.0.0.1 (loopback only),
starts gunicorn with the production settings and gunicorn.conf.py (--workers and
--threads override it), and seeds a world of its own: a few centers, each stocking 3
or 4 active packages whose entitlements differ (flat; 1 per 3 persons with a cap;
a scarce one by persons, from 2 to 4; 1 per 4 persons), one worker login per
distribution point, and households that all have a card: most are new, some are owed
units after a short visit the day before, some already received a package inside its
validity period. The scarce package starts with little stock and gets small deliveries
during the run, so it runs out again and again: lines handed out in part (owed) and
lines refused.

Each point is a closed-loop browser: GET /distribution/scan/?code=<card> (a 302),
follow it to the visit page, read the form's inputs from the HTML, tick up to 3
selectable lines (owed ones first) leaving the due quantities, POST, follow the
redirect to the receipt. Printed: visits per minute, p50/p95/p99 per request kind,
requests per visit after the scan (target: at most 3), the outcome of each line; then
the checks: audit rows of the run's visits = lines the clients submitted, each receipt
is its visit with its lines, owed items consistent, `check_stock`, no 5xx, nobody
served twice inside validity except through owed items.

The target (docs/BENCHMARKS.md): p95 under 100 ms per request at 16 points. Timing is
reported, never failed on; the exit status is 1 only when a check fails (gunicorn's log
is then kept).
"""

import argparse
import html
import http.client
import json
import os
import random
import re
import shutil
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

from devtools.load.client import (
    CONN_ERROR,
    ERROR_PAUSE,
    REFUSAL_RE,
    ClientPlan,
    Event,
    LoadRun,
    Workload,
    percentile_ms,
)
from devtools.load.server import (
    Gunicorn,
    create_database,
    gunicorn_defaults,
    loadavg,
    portal_env,
    require_loopback,
    setup_django,
    workdir,
)

from .load.report import checks_table, table

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/aidtracker_visitday"
TARGET_POINTS, TARGET_P95_MS, TARGET_REQUESTS = 16, 100.0, 3
BASKET = 3  # lines a point ticks when it can
PLENTY = 100_000
SCAN_PATH = "/distribution/scan/"
VISIT_PATH_RE = re.compile(r"^/distribution/visit/(\d+)/$")
RECEIPT_PATH_RE = re.compile(r"^/distribution/visits/(\d+)/$")

SERVED = "served"  # a receipt was seen
NOTHING_TO_TAKE = "nothing selectable"  # the page offered no line: no POST


@dataclass(frozen=True)
class PackageSpec:
    key: str
    label: str
    category: str
    units: int
    persons: int | None = None
    cap: int | None = None
    everywhere: bool = True  # stocked at every center (else at even-numbered ones)
    scarce: bool = False


PACKAGES = (
    PackageSpec("flat", "rice, 2 per household", "food", 2),
    PackageSpec("per3", "hygiene kit, 1 per 3 persons, at most 2", "hygiene", 1, 3, 2),
    PackageSpec(
        "scarce", "medicine, 1 per 2 persons, 2 to 4 (scarce)", "medical", 2, 2, 4, True, True
    ),
    PackageSpec("per4", "blanket, 1 per 4 persons", "shelter", 1, 4, None, everywhere=False),
)
# Who comes to the counter: new households, households owed units from yesterday's short
# visit, households served one or two packages yesterday, households owed units by a
# visit of this run (they come back), and households already seen today (again).
MIX = (("new", 0.60), ("owed", 0.15), ("served", 0.15), ("back for owed", 0.06), ("again", 0.04))


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=16, help="distribution points (clients)")
    parser.add_argument("--seconds", type=float, default=30.0, help="timed phase")
    parser.add_argument("--centers", type=int, default=4, help="centers the points spread over")
    parser.add_argument("--households", type=int, default=2000, help="new households")
    parser.add_argument("--owed", type=int, default=200, help="households owed from yesterday")
    parser.add_argument("--served", type=int, default=200, help="households served yesterday")
    parser.add_argument(
        "--scarce-units", type=int, default=40, help="scarce package's stock per center at start"
    )
    parser.add_argument(
        "--delivery-units", type=int, default=5, help="scarce units delivered per center"
    )
    parser.add_argument("--delivery-every", type=float, default=0.5, help="seconds between them")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: 1)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--seed", type=int, help="random seed (the draw of households)")
    parser.add_argument(
        "--smoke", action="store_true", help="a quick run: 2 points, 5 s, a small world"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.points, args.seconds, args.centers = 2, 5.0, 2
        args.households, args.owed, args.served = 300, 30, 30
    workers, threads = gunicorn_defaults()
    args.workers, args.threads = args.workers or workers, args.threads or threads
    if args.points < 1 or args.centers < 1 or args.seconds <= 0:
        parser.error("--points, --centers and --seconds must be positive")
    if args.seconds > 300:
        parser.error("--seconds is capped at 300 so that a run stays under 10 minutes")
    args.centers = min(args.centers, args.points)
    args.seed = args.seed if args.seed is not None else random.randrange(2**32)
    return args


# --- the world ---------------------------------------------------------------------


@dataclass
class World:
    tag: str
    admin: object
    centers: list
    packages: dict  # key -> AidPackage
    stocked: dict  # center id -> package keys it stocks
    plans: list
    pools: dict  # kind -> household ids
    codes: dict  # household id -> card code
    family: dict  # household id -> family size
    marks: dict  # highest ids before the run: visit, log, owed
    description: str

    @property
    def center_ids(self):
        return [center.pk for center in self.centers]

    @property
    def package_ids(self):
        return [package.pk for package in self.packages.values()]

    def entitlement(self, household_id, package_id):
        from inventory.models import entitlement

        package = next(p for p in self.packages.values() if p.pk == package_id)
        return entitlement(
            family_size=self.family[household_id],
            units_per_household=package.units_per_household,
            persons_per_unit=package.persons_per_unit,
            max_units=package.max_units,
        )


def seed_world(args):
    """Centers, packages, stock, logins, households with cards and yesterday's visits."""
    from django.db.models import Max

    from devtools.load.world import PACKAGE_PREFIX, VALIDITY_DAYS, _Builder, households
    from distribution.models import DistributionLog, OwedItem, Visit
    from distribution.services import serve_household
    from households.models import Household, HouseholdCard
    from households.services import new_card_code
    from inventory.models import AidPackage
    from inventory.services import restock

    rng = random.Random(args.seed)
    started = time.monotonic()
    build = _Builder()  # retires earlier runs' packages; tags this run's rows
    packages = {
        spec.key: AidPackage.objects.create(
            package_name=f"{PACKAGE_PREFIX}{build.tag} {spec.label}",
            category=spec.category,
            estimated_cost=10,
            validity_period_days=VALIDITY_DAYS,
            units_per_household=spec.units,
            persons_per_unit=spec.persons,
            max_units=spec.cap,
        )
        for spec in PACKAGES
    }
    centers = [build.center(f"point {number}") for number in range(args.centers)]
    stocked = {}
    for number, center in enumerate(centers):
        keys = [spec.key for spec in PACKAGES if spec.everywhere or number % 2 == 0]
        stocked[center.pk] = keys
        for spec in PACKAGES:
            if spec.key in keys:
                units = args.scarce_units if spec.scarce else PLENTY
                build.stock(center, packages[spec.key], units)
    plans = [
        ClientPlan(build.worker(number, centers[number % len(centers)]), build.password, ())
        for number in range(args.points)
    ]

    total = args.households + args.owed + args.served
    ids, _ = households(build.tag, total)
    rng.shuffle(ids)
    pools = {
        "owed": ids[: args.owed],
        "served": ids[args.owed : args.owed + args.served],
        "new": ids[args.owed + args.served :],
    }
    HouseholdCard.objects.bulk_create(
        (HouseholdCard(household_id=pk, code=new_card_code(), issued_by=build.admin) for pk in ids),
        batch_size=2000,
    )
    codes = dict(
        HouseholdCard.objects.filter(household_id__in=ids, revoked_at__isnull=True).values_list(
            "household_id", "code"
        )
    )
    family = dict(Household.objects.filter(pk__in=ids).values_list("pk", "family_size"))
    objects = Household.objects.in_bulk(pools["owed"] + pools["served"])

    # Yesterday: short visits at a center that got one unit at a time (the rest is owed),
    # and full visits of one or two packages elsewhere (those lines are not eligible now).
    short = build.center("yesterday, short")
    plenty = build.center("yesterday")
    for spec in PACKAGES:
        build.stock(plenty, packages[spec.key], PLENTY)
    for number, pk in enumerate(pools["owed"]):
        world_due = {
            key: packages[key].entitlement_for(objects[pk]) for key in ("flat", "scarce", "per4")
        }
        owed_keys = [key for key, due in world_due.items() if due >= 2] or ["flat"]
        package = packages[owed_keys[number % len(owed_keys)]]
        restock(center=short, package=package, quantity=1, staff=build.admin)
        serve_household(
            household=objects[pk], center=short, staff=build.admin, lines=[(package, None)]
        )
    served_keys = ("flat", "per3", "scarce")
    for number, pk in enumerate(pools["served"]):
        keys = [served_keys[number % 3]]
        if number % 3 == 0:
            keys.append(served_keys[(number + 1) % 3])
        serve_household(
            household=objects[pk],
            center=plenty,
            staff=build.admin,
            lines=[(packages[key], None) for key in keys],
        )
    marks = {
        "visit": Visit.objects.aggregate(m=Max("pk"))["m"] or 0,
        "log": DistributionLog.objects.aggregate(m=Max("pk"))["m"] or 0,
        "owed": OwedItem.objects.aggregate(m=Max("pk"))["m"] or 0,
    }
    scarce_at = sum(1 for keys in stocked.values() if "scarce" in keys)
    description = (
        f"{args.points} points over {len(centers)} centers (3 or 4 packages each); "
        f"{len(ids):,} households with cards ({len(pools['new']):,} new, "
        f"{len(pools['owed'])} owed from a short visit, {len(pools['served'])} served "
        f"inside validity); scarce stock {args.scarce_units} per center at {scarce_at} "
        f"centers + {args.delivery_units} every {args.delivery_every:g} s; "
        f"validity {VALIDITY_DAYS} days; seeded in {time.monotonic() - started:.1f} s"
    )
    return World(
        tag=build.tag,
        admin=build.admin,
        centers=centers,
        packages=packages,
        stocked=stocked,
        plans=plans,
        pools=pools,
        codes=codes,
        family=family,
        marks=marks,
        description=description,
    )


class Deliveries(threading.Thread):
    """Small deliveries of the scarce package at every center during the run."""

    def __init__(self, world, *, units, every):
        super().__init__(name="deliveries", daemon=True)
        self.world, self.units, self.every = world, units, every
        self.stop = threading.Event()
        self.made = 0
        self.errors = []

    def run(self):
        from django.db import connection

        from inventory.services import restock

        scarce = self.world.packages["scarce"]
        centers = [c for c in self.world.centers if "scarce" in self.world.stocked[c.pk]]
        try:
            while not self.stop.wait(self.every):
                for center in centers:
                    restock(
                        center=center, package=scarce, quantity=self.units, staff=self.world.admin
                    )
                    self.made += 1
        except Exception as error:  # reported as a failed check, never a crash mid-run
            self.errors.append(repr(error))
        finally:
            connection.close()


class Draw:
    """Who comes to a counter next; shared by every point (thread-safe)."""

    def __init__(self, world):
        self.pools = {kind: list(ids) for kind, ids in world.pools.items()}
        self.codes = world.codes
        self.owed_today = []  # households a receipt said are owed units: they come back
        self.seen = []
        self.lock = threading.Lock()

    def next(self, rng):
        with self.lock:
            kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
            for candidate in (kind, "new", "again"):
                household = self._take(candidate, rng)
                if household is not None:
                    return candidate, household, self.codes[household]
        raise RuntimeError("no household to draw")

    def _take(self, kind, rng):
        if kind in self.pools:
            pool = self.pools[kind]
            return pool.pop() if pool else None
        if kind == "back for owed":
            return (
                self.owed_today.pop(rng.randrange(len(self.owed_today)))
                if self.owed_today
                else None
            )
        return rng.choice(self.seen) if self.seen else None

    def visited(self, household, owed):
        with self.lock:
            self.seen.append(household)
            if owed:
                self.owed_today.append(household)


# --- what a browser reads from the pages ------------------------------------------------


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


def _text(fragment):
    return " ".join(html.unescape(TAG_RE.sub(" ", fragment)).split())


def parse_receipt(body, messages):
    """Each line of a visit receipt as a person reads it, or None if there is no table."""
    match = RECEIPT_BODY_RE.search(body.decode("utf-8", "replace"))
    if match is None:
        return None
    lines = []
    for row in ROW_RE.findall(match.group(1)):
        cells = [_text(cell) for cell in CELL_RE.findall(row)]
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


# --- the points ----------------------------------------------------------------------


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
        t0, stop = self.t0, self.t0 + self.seconds
        records = self.records[plan.username]

        def step(kind, method, path, fields=None):
            began = time.monotonic()
            try:
                response = client.request(method, path, fields)
            except (OSError, http.client.HTTPException) as error:
                outcome = f"{CONN_ERROR}:{type(error).__name__}"
                events.append(Event(kind, began - t0, time.monotonic() - began, 0, outcome))
                return None, outcome
            expected = {"scan": 302, "visit": 200, "submit": 302, "receipt": 200}[kind]
            outcome = "ok" if response.status == expected else f"http_{response.status}"
            events.append(Event(kind, began - t0, response.elapsed, response.status, outcome))
            return response, outcome

        while time.monotonic() < stop:
            kind, household, code = self.draw.next(rng)
            record = VisitRecord(plan.username, kind, household)
            records.append(record)
            self._visit(record, code, step, rng)
            if record.outcome not in (SERVED, NOTHING_TO_TAKE):
                time.sleep(ERROR_PAUSE)

    def _visit(self, record, code, step, rng):
        scan, outcome = step("scan", "GET", f"{SCAN_PATH}?{urlencode({'code': code})}")
        if scan is None or not VISIT_PATH_RE.match(urlsplit(scan.location).path):
            record.outcome = f"scan: {outcome if outcome != 'ok' else 'not to the visit page'}"
            return
        record.scan_ms = 1000 * scan.elapsed
        page_path = path_of(scan.location)
        page, outcome = step("visit", "GET", page_path)
        record.after_scan += 1
        if page is None or page.status != 200:
            record.outcome = f"visit page: {outcome}"
            return
        record.page_ms = 1000 * page.elapsed
        form = VisitPage(page.body)
        record.shown = form.lines
        if not form.found:
            record.outcome = "visit page: no form"
            return
        selectable = form.selectable
        if not selectable:
            record.outcome = NOTHING_TO_TAKE
            return
        # Owed units first (the household is owed them), then the others, up to BASKET.
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
            return
        receipt_path = urlsplit(answer.location).path if answer.status == 302 else ""
        match = RECEIPT_PATH_RE.match(receipt_path)
        if match is None:
            refusal = REFUSAL_RE.search(answer.body.decode("utf-8", "replace"))
            shown = _text(refusal.group(1)) if refusal else "a field error"
            record.outcome = (
                f"form shown again: {shown}" if answer.status == 200 else f"submit: {outcome}"
            )
            return
        record.visit_id = int(match.group(1))
        receipt, outcome = step("receipt", "GET", path_of(answer.location))
        record.after_scan += 1
        if receipt is None or receipt.status != 200:
            record.outcome = f"receipt: {outcome}"
            return
        record.receipt = parse_receipt(receipt.body, self.workload.messages)
        record.outcome = SERVED if record.receipt is not None else "receipt: no lines table"
        owed_now = any(line.owed_created for line in record.receipt or ())
        self.draw.visited(record.household, owed_now)


# --- the report ----------------------------------------------------------------------

KINDS = (
    ("scan", "scan (302)"),
    ("visit", "visit page"),
    ("submit", "submit (POST)"),
    ("receipt", "receipt"),
)


def latency_table(result, records):
    rows = []
    both = [r.scan_ms + r.page_ms for r in records if r.scan_ms is not None and r.page_ms]
    if both:
        rows.append(
            (
                "scan + visit page",
                len(both),
                f"{len(both) / result.elapsed:.1f}",
                *(f"{percentile_ms([ms / 1000 for ms in both], q):.1f}" for q in (50, 95, 99)),
                f"{max(both):.1f}",
            )
        )
    for kind, label in (*KINDS, ("all", "every request")):
        events = result.requests if kind == "all" else result.of(kind)
        if not events:
            continue
        latencies = [event.latency for event in events]
        rows.append(
            (
                label,
                len(events),
                f"{len(events) / result.elapsed:.1f}",
                *(f"{percentile_ms(latencies, q):.1f}" for q in (50, 95, 99)),
                f"{1000 * max(latencies):.1f}",
            )
        )
    return table(("requests", "count", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms"), rows)


SERVER_KINDS = (
    ("scan", "GET", re.compile(r"^/distribution/scan/$")),
    ("visit page", "GET", re.compile(r"^/distribution/visit/\d+/$")),
    ("submit (POST)", "POST", re.compile(r"^/distribution/visit/\d+/$")),
    ("receipt", "GET", re.compile(r"^/distribution/visits/\d+/$")),
)


def server_table(log_path):
    """p50/p95/max of the request log's duration_ms per kind: the time inside Django."""
    durations = defaultdict(list)
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return ""
    for line in text.splitlines():
        if '"aidtracker.request"' not in line or not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        for label, method, pattern in SERVER_KINDS:
            if entry.get("method") == method and pattern.match(entry.get("path", "")):
                durations[label].append(entry.get("duration_ms", 0.0) / 1000)
    rows = [
        (
            label,
            len(durations[label]),
            *(f"{percentile_ms(durations[label], q):.1f}" for q in (50, 95, 99)),
            f"{1000 * max(durations[label]):.1f}",
        )
        for label, _, _ in SERVER_KINDS
        if durations[label]
    ]
    return table(
        ("inside Django (request log)", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"), rows
    )


def line_outcomes(records):
    """Counter of each line's outcome as the receipts showed it, plus ticked lines missing."""
    counts = Counter()
    owed_units = 0
    for record in records:
        if record.outcome != SERVED:
            continue
        for line in record.receipt:
            if line.status == "failed":
                counts[f"failed: {line.code or 'unrecognised message'}"] += 1
            elif line.owed_created:
                counts["success, part of what was due (owed created)"] += 1
                owed_units += line.owed_created
            elif line.owed_units:
                counts["success of owed units"] += 1
            else:
                counts["success, all that was due"] += 1
        missing = len(record.chosen) - len(record.receipt)
        if missing > 0:
            counts["ticked but not on the receipt"] += missing
    return counts, owed_units


def outcome_tables(records):
    counts, owed_units = line_outcomes(records)
    total = sum(counts.values()) or 1
    order = sorted(counts, key=lambda k: (not k.startswith("success"), k))
    lines = table(
        ("line outcome (receipts)", "lines", "share"),
        [(k, counts[k], f"{100 * counts[k] / total:.1f}%") for k in order],
    )
    created = counts["success, part of what was due (owed created)"]
    lines += f"\n\nOwed items created: {created} ({owed_units} units)."
    visits = Counter(record.outcome for record in records)
    visit_rows = [(k, n) for k, n in visits.most_common()]
    by_kind = []
    for kind, _ in MIX:
        mine = [r for r in records if r.kind == kind]
        if not mine:
            continue
        shown = Counter(line.status for r in mine for line in r.shown)
        served = [r for r in mine if r.outcome == SERVED]
        sizes = Counter(len(r.chosen) for r in served)
        by_kind.append(
            (
                kind,
                len(mine),
                len(served),
                " ".join(f"{n}:{sizes[n]}" for n in sorted(sizes)) or "-",
                shown["owed"],
                shown["not eligible"],
                shown["out of stock"],
            )
        )
    return (
        table(("scan outcome", "count"), visit_rows),
        table(
            (
                "household drawn",
                "scans",
                "served",
                "lines ticked: visits",
                "owed lines shown",
                "not-eligible lines shown",
                "out-of-stock lines shown",
            ),
            by_kind,
        ),
        lines,
    )


# --- the checks ----------------------------------------------------------------------


def verify(world, records, result, deliveries, gunicorn_errors):
    """Reconcile what the points saw with the database; return a list of Checks."""
    from django.db import connection
    from django.db.models import Count, Sum

    from devtools.load.world import Check, check_stock
    from distribution.models import DistributionLog, OwedItem, Visit

    connection.close()
    Status = DistributionLog.Status
    checks = []
    checks.append(
        Check(
            "every point signed in",
            not result.login_failures,
            "; ".join(result.login_failures[:3]),
        )
    )
    statuses = result.statuses(kinds=("scan", "visit", "submit", "receipt"))
    server_errors = {status: n for status, n in statuses.items() if status >= 500}
    conn = Counter(e.outcome for e in result.requests if e.outcome.startswith(CONN_ERROR))
    checks.append(
        Check(
            "no 5xx, no request without an answer",
            not server_errors and not conn and not gunicorn_errors,
            f"5xx: {server_errors or 0}; no answer: {dict(conn) or 0}; "
            f"ERROR lines in the gunicorn log: {len(gunicorn_errors)}"
            + (f" (first: {gunicorn_errors[0][:300]})" if gunicorn_errors else ""),
        )
    )
    odd = Counter(r.outcome for r in records if r.outcome not in (SERVED, NOTHING_TO_TAKE))
    checks.append(
        Check(
            "every scan led to a visit page, every POST to a receipt",
            not odd,
            ", ".join(f"{n} x {o}" for o, n in odd.most_common(5)),
        )
    )

    run_logs = {
        row["pk"]: row
        for row in DistributionLog.objects.filter(
            visit__isnull=False, visit_id__gt=world.marks["visit"], center_id__in=world.center_ids
        ).values(
            "pk",
            "visit_id",
            "household_id",
            "package_id",
            "transaction_status",
            "failure_code",
            "quantity_distributed",
            "owed_item_id",
        )
    }
    posted = [r for r in records if r.posted]
    submitted = sum(len(r.chosen) for r in posted)
    in_doubt = sum(1 for r in records if r.chosen and not r.posted)
    seen = [r for r in records if r.visit_id is not None]
    by_visit = defaultdict(list)
    for row in sorted(run_logs.values(), key=lambda row: row["pk"]):
        by_visit[row["visit_id"]].append(row)
    dropped = []
    for record in posted:
        logged = {row["package_id"] for row in by_visit.get(record.visit_id, [])}
        for pk in record.chosen:
            if pk not in logged:
                shown = next(line for line in record.shown if line.package_id == pk)
                dropped.append((record, shown))
    names = {package.pk: key for key, package in world.packages.items()}
    detail = f"{len(run_logs)} rows, {submitted} lines submitted in {len(posted)} POSTs"
    if in_doubt:
        detail += f", {in_doubt} POSTs without an answer"
    if dropped:
        why = Counter(
            f"{names[line.package_id]} ({line.status}, {line.on_hand} on hand)"
            if line.status != "owed"
            else f"{names[line.package_id]} (owed {line.due}, {line.on_hand} on hand)"
            for _, line in dropped
        )
        kinds = Counter(r.outcome if r.outcome != SERVED else "receipt" for r, _ in dropped)
        example, _ = dropped[0]
        logged = [names[row["package_id"]] for row in by_visit.get(example.visit_id, [])]
        detail += (
            f"; {len(dropped)} ticked lines have no audit row, as shown on the page: "
            + ", ".join(f"{n} x {k}" for k, n in why.most_common(4))
            + "; those POSTs got: "
            + ", ".join(f"{n} x {k}" for k, n in kinds.most_common(3))
            + f"; e.g. household {example.household} ticked "
            + "+".join(names[pk] for pk in example.chosen)
            + f", visit {example.visit_id} logged {'+'.join(logged) or 'nothing'}"
        )
    checks.append(
        Check(
            "audit rows of the run's visits = lines the clients submitted",
            len(run_logs) == submitted and not in_doubt,
            detail,
        )
    )

    visits = dict(
        Visit.objects.filter(pk__gt=world.marks["visit"], center_id__in=world.center_ids)
        .values_list("pk", "household_id")
        .iterator()
    )
    created = {
        row["log_id"]: row
        for row in OwedItem.objects.filter(log__visit_id__gt=world.marks["visit"])
        .filter(log__center_id__in=world.center_ids)
        .values("pk", "log_id", "quantity_owed", "household_id", "package_id")
    }
    wrong = []
    for record in seen:
        rows = by_visit.get(record.visit_id, [])
        problem = None
        if record.visit_id not in visits:
            problem = "no such visit"
        elif visits[record.visit_id] != record.household:
            problem = f"visit of household {visits[record.visit_id]}"
        elif record.receipt is not None:
            ids = [line.log_id for line in record.receipt]
            if sorted(ids) != [row["pk"] for row in rows]:
                problem = f"receipt lines {ids}, logged {[row['pk'] for row in rows]}"
            for line in record.receipt:
                row = run_logs.get(line.log_id)
                if problem or row is None:
                    break
                owed = created.get(line.log_id)
                said = (
                    line.status,
                    line.code,
                    line.quantity if line.status == "success" else None,
                    line.owed_created,
                    line.owed_units,
                )
                logged = (
                    row["transaction_status"],
                    row["failure_code"],
                    row["quantity_distributed"] if row["transaction_status"] == "success" else None,
                    owed["quantity_owed"] if owed else None,
                    row["owed_item_id"] is not None,
                )
                if said != logged:
                    problem = f"log #{line.log_id}: receipt {said}, database {logged}"
        if problem:
            wrong.append(f"visit {record.visit_id}: {problem}")
    unseen = set(visits) - {r.visit_id for r in seen}
    checks.append(
        Check(
            "every receipt seen is its visit with its lines; no visit nobody saw",
            not wrong and not unseen,
            f"{len(seen)} receipts, {len(visits)} visits in the database"
            + (f"; {len(wrong)} wrong: {wrong[:3]}" if wrong else "")
            + (f"; unseen: {sorted(unseen)[:5]}" if unseen else ""),
        )
    )

    shown_due = {
        (r.visit_id, line.package_id): line.due for r in seen for line in r.shown if line.due
    }
    bad_owed = []
    for log_id, item in created.items():
        row = run_logs.get(log_id)
        due = world.entitlement(item["household_id"], item["package_id"])
        if row is None or row["transaction_status"] != Status.SUCCESS:
            bad_owed.append(f"owed #{item['pk']} on a {row and row['failure_code']} line")
        elif row["owed_item_id"] is not None:
            bad_owed.append(f"owed #{item['pk']} created by a hand-out of owed units")
        elif item["quantity_owed"] != due - row["quantity_distributed"]:
            bad_owed.append(
                f"owed #{item['pk']}: {item['quantity_owed']} != {due} - "
                f"{row['quantity_distributed']}"
            )
        elif shown_due.get((row["visit_id"], row["package_id"]), due) != due:
            bad_owed.append(f"owed #{item['pk']}: the page showed {due} as due")
    short_without = [
        row["pk"]
        for row in run_logs.values()
        if row["transaction_status"] == Status.SUCCESS
        and row["owed_item_id"] is None
        and row["quantity_distributed"] < world.entitlement(row["household_id"], row["package_id"])
        and row["pk"] not in created
    ]
    all_items = {
        row["pk"]: row
        for row in OwedItem.objects.filter(package_id__in=world.package_ids).values(
            "pk", "quantity_owed", "household_id", "package_id"
        )
    }
    fulfilled = (
        DistributionLog.objects.filter(
            owed_item_id__in=list(all_items),
            transaction_status=Status.SUCCESS,
            void__isnull=True,
        )
        .values("owed_item_id", "household_id", "package_id")
        .annotate(total=Sum("quantity_distributed"))
    )
    over = []
    for row in fulfilled:
        item = all_items[row["owed_item_id"]]
        if row["total"] > item["quantity_owed"]:
            over.append(f"owed #{item['pk']}: {row['total']} > {item['quantity_owed']}")
        if (row["household_id"], row["package_id"]) != (item["household_id"], item["package_id"]):
            over.append(f"owed #{item['pk']} handed out to another household or package")
    checks.append(
        Check(
            "owed items: quantity_owed = due - handed out, on success lines only",
            not bad_owed and not short_without,
            f"{len(created)} created in the run"
            + (f"; {bad_owed[:3]}" if bad_owed else "")
            + (
                f"; short successes with no owed item: {short_without[:5]}" if short_without else ""
            ),
        )
    )
    checks.append(
        Check(
            "owed units handed out never exceed what was owed",
            not over,
            f"{len(all_items)} owed items of this world" + (f"; {over[:3]}" if over else ""),
        )
    )

    served = (
        DistributionLog.objects.filter(
            package_id__in=world.package_ids,
            transaction_status=Status.SUCCESS,
            void__isnull=True,
            owed_item__isnull=True,
        )
        .values("household_id", "package_id")
        .annotate(n=Count("pk"))
    )
    twice = [(row["household_id"], row["package_id"]) for row in served if row["n"] > 1]
    checks.append(
        Check(
            "nobody served a package twice inside validity except through owed items",
            not twice,
            f"{len(twice)} household/package pairs" + (f": {twice[:5]}" if twice else ""),
        )
    )
    ok, line = check_stock()
    checks.append(Check("manage.py check_stock passes", ok, line))
    checks.append(
        Check(
            "deliveries made without error",
            not deliveries.errors,
            f"{deliveries.made} deliveries"
            + (f"; {deliveries.errors[:2]}" if deliveries.errors else ""),
        )
    )
    return checks


# --- main ----------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    require_loopback(args.database_url)
    directory = workdir("aidtracker-visitday-")
    env = portal_env(args.database_url, directory / "static")
    log(f"database {args.database_url}; work dir {directory}; seed {args.seed}")
    create_database(args.database_url, drop=args.fresh)
    setup_django(env, log=log)
    import logging

    logging.getLogger().setLevel(logging.WARNING)  # the services' INFO lines go to stdout
    from devtools.load.world import refusal_messages
    from reports.rollup import fold

    started = time.monotonic()
    world = seed_world(args)
    log(world.description)
    folded = fold()
    log(f"folded {folded:,} pending rollup rows")
    gunicorn = Gunicorn(env, workers=args.workers, threads=args.threads, workdir=directory)
    try:
        gunicorn.start()
        log(f"gunicorn on {gunicorn.base_url}: {gunicorn.description}")
        load = loadavg()
        run = VisitDay(
            gunicorn.base_url,
            world,
            seconds=args.seconds,
            seed=args.seed,
            messages=refusal_messages(),
        )
        deliveries = Deliveries(world, units=args.delivery_units, every=args.delivery_every)
        run.start().started.wait(600)
        deliveries.start()
        server_cpu = gunicorn.cpu_seconds()
        result = run.join()
        cpu_ms = 1000 * (gunicorn.cpu_seconds() - server_cpu) / (len(result.requests) or 1)
        deliveries.stop.set()
        deliveries.join(30)
        load_after = loadavg()
    finally:
        gunicorn.stop()
    records = [record for plan in world.plans for record in run.records[plan.username]]
    checks = verify(world, records, result, deliveries, gunicorn.error_lines())

    served = [r for r in records if r.outcome == SERVED]
    per_minute = 60 * len(served) / result.elapsed if result.elapsed else 0.0
    after = [r.after_scan for r in served]
    print(f"\n### Distribution day, {args.points} points, {args.seconds:g} s\n")
    print(
        f"{world.description}.\ngunicorn: {gunicorn.description}, production settings, "
        f"MariaDB {args.database_url.rsplit('/', 1)[-1]}; {os.cpu_count()} cores. "
        f"Load average before: {load}, after: {load_after}. "
        f"gunicorn CPU per request: {cpu_ms:.1f} ms. Seed {args.seed}.\n"
    )
    print(
        f"**{per_minute:.0f} visits per minute** ({len(served)} receipts in "
        f"{result.elapsed:.1f} s; {len(records)} cards scanned).\n"
    )
    print(latency_table(result, records), end="\n\n")
    inside = server_table(gunicorn.log_path)
    if inside:
        print(inside, end="\n\n")
    mean_after = statistics.fmean(after) if after else 0.0
    spread = Counter(after)
    print(
        f"Requests per visit after the scan: mean {mean_after:.2f}, max {max(after, default=0)} "
        f"({', '.join(f'{n} requests: {spread[n]}' for n in sorted(spread))}); "
        f"target at most {TARGET_REQUESTS}: "
        f"{'met' if after and max(after) <= TARGET_REQUESTS else 'NOT met'}.\n"
    )
    for text in outcome_tables(records):
        print(text, end="\n\n")
    print(checks_table(checks), flush=True)

    p95s = {kind: percentile_ms([e.latency for e in result.of(kind)], 95) for kind, _ in KINDS}
    worst = max(p95s, key=p95s.get)
    if args.points == TARGET_POINTS:
        verdict = "met" if p95s[worst] < TARGET_P95_MS else "NOT met"
        print(
            f"\nTarget p95 < {TARGET_P95_MS:g} ms per request at {TARGET_POINTS} points: "
            f"worst p95 {p95s[worst]:.1f} ms ({worst}), {verdict}."
        )
    print(f"\nWhole run {time.monotonic() - started:.0f} s.")
    if not all(check.ok for check in checks):
        print(f"\nA check FAILED; gunicorn log kept in {directory}")
        return 1
    shutil.rmtree(directory, ignore_errors=True)
    print("\nAll checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
