"""Fixtures for a load run, and the checks of its outcome against the database.

Needs Django set up (settings and database). Every run gets centers, packages,
inventory rows and staff of its own, tagged, so that its checks count only its
own log rows even in a database that earlier runs left behind (the audit log is
append-only). Households too are new for every run (see households()).
"""

import datetime
import secrets
from collections import Counter
from dataclasses import dataclass, field
from io import StringIO

from .client import SUCCESS, ClientPlan, Workload

PACKAGE_PREFIX = "Load "
POOL_FAMILY = "Load"
INACTIVE_FAMILY = "Load inactive"
VALIDITY_DAYS = 30  # a served household stays ineligible for the rest of the run
HOT_STOCK = 1_000_000
SPREAD_STOCK = 100_000
SPREAD_PACKAGES = 4
SCARCE_WEIGHT = 0.5  # relative to each spread package


@dataclass
class World:
    tag: str
    workload: Workload
    package_ids: list
    inventory_ids: list
    description: str
    units: int | None = None  # last-units run: the only stock there is
    roles: dict = field(default_factory=dict)


def refusal_messages():
    """The messages the form shows for each refusal, mapped to their outcome codes."""
    from distribution.forms import EXPIRED_FORM_MESSAGE
    from distribution.rules import BUSY_CODE, BUSY_MESSAGE, FAILURE_MESSAGES

    messages = {message: code for code, message in FAILURE_MESSAGES.items()}
    messages[BUSY_MESSAGE] = BUSY_CODE
    messages[EXPIRED_FORM_MESSAGE] = "expired_form"
    return messages


def refusal_codes():
    from distribution.rules import BUSY_CODE, FAILURE_CODES

    return (*FAILURE_CODES, BUSY_CODE)


def _pool(family, phone_prefix, count, status):
    """`count` new households named `family`, numbered after every earlier run's."""
    from households.models import Household

    first = Household.objects.filter(phone_number__startswith=f"+1{phone_prefix}").count()
    today = datetime.date.today()
    Household.objects.bulk_create(
        (
            Household(
                family_name=family,
                primary_contact_name=f"{family} contact {number}",
                phone_number=f"+1{phone_prefix}{number:07d}",
                address=f"{number} Load Street",
                city="Loadville",
                state="IL",
                zip_code="62701",
                family_size=1 + number % 7,
                income_level=Household.IncomeLevel.LOW,
                registration_date=today,
                status=status,
            )
            for number in range(first, first + count)
        ),
        batch_size=2000,
    )
    pool = Household.objects.filter(family_name=family, status=status)
    return list(pool.order_by("pk").values_list("pk", flat=True))


def households(tag, count, inactive=0):
    """Return (active ids, inactive ids): new households of this run's own.

    A pool shared by every run would make each household's history grow run after
    run, at a new center with new packages each time: the coverage triggers move a
    household's count for every package it ever received when it is served at
    another center, so each run would be slower than the last.
    """
    from households.models import Household

    active = _pool(f"{POOL_FAMILY} {tag}", "777", count, Household.Status.ACTIVE)
    idle = []
    if inactive:
        family = f"{INACTIVE_FAMILY} {tag}"
        idle = _pool(family, "778", inactive, Household.Status.INACTIVE)
    return active, idle


class _Builder:
    """Creates one run's centers, packages, stock and staff logins."""

    def __init__(self):
        from django.contrib.auth.hashers import make_password

        from centers.models import DistributionCenter, StaffMember
        from inventory.models import AidPackage

        # The form lists every active package: retire earlier runs' packages so that
        # the page (and its cost) does not grow with each run left in the database.
        AidPackage.objects.filter(package_name__startswith=PACKAGE_PREFIX, is_active=True).update(
            is_active=False
        )
        self.tag = datetime.datetime.now().strftime("%m%d%H%M%S") + secrets.token_hex(2)
        self.password = secrets.token_urlsafe(18)
        self.password_hash = make_password(self.password)  # hashed once for every login
        self.package_ids, self.inventory_ids = [], []
        self.admin = StaffMember.objects.create(
            first_name="Load",
            last_name="Admin",
            email=f"load-{self.tag}-admin@example.org",
            role=StaffMember.Role.ADMIN,
            hire_date=datetime.date.today(),
        )
        self._center_model = DistributionCenter

    def center(self, label):
        return self._center_model.objects.create(
            center_name=f"Load {self.tag} {label}",
            address="1 Load Street",
            city="Loadville",
            state="IL",
            zip_code="62701",
        )

    def package(self, label):
        from inventory.models import AidPackage

        package = AidPackage.objects.create(
            package_name=f"{PACKAGE_PREFIX}{self.tag} {label}",
            category=AidPackage.Category.FOOD,
            estimated_cost=10,
            validity_period_days=VALIDITY_DAYS,
            is_perishable=False,  # restocked without expiry dates: one lot per row
        )
        self.package_ids.append(package.pk)
        return package

    def stock(self, center, package, quantity):
        from inventory.services import restock

        inventory = restock(center=center, package=package, quantity=quantity, staff=self.admin)
        self.inventory_ids.append(inventory.pk)

    def worker(self, number, center):
        from django.contrib.auth import get_user_model

        from centers.models import StaffMember

        username = f"load{self.tag}w{number}"
        user = get_user_model().objects.create(
            username=username, password=self.password_hash, is_active=True
        )
        StaffMember.objects.create(
            user=user,
            first_name="Load",
            last_name=f"Worker {number}",
            email=f"{username}@example.org",
            role=StaffMember.Role.WORKER,
            center=center,
            hire_date=datetime.date.today(),
        )
        return username


def mixed_world(
    *,
    clients,
    households_count=2000,
    inactive_count=40,
    spread_centers=4,
    scarce_units=10,
    repeat_fraction=0.1,
    inactive_fraction=0.03,
):
    """Hot and spread inventory rows, households that become ineligible, scarce stock.

    Even-numbered clients work at the hot center and all distribute its one hot
    package: one inventory row that half the clients fight over. Odd-numbered
    clients are spread over `spread_centers` centers, each stocking four packages
    plus a scarce one (`scarce_units` units) that runs out early. Households are
    drawn at random from the pool, so a household/package pair comes up again and
    is refused (`not_eligible`, validity 30 days); after a success a client also
    submits the same household again with `repeat_fraction`, and picks an inactive
    household with `inactive_fraction`.
    """
    build = _Builder()
    active, inactive = households(build.tag, households_count, inactive_count)
    hot_center = build.center("hot")
    hot_package = build.package("hot")
    build.stock(hot_center, hot_package, HOT_STOCK)
    centers = [build.center(f"spread {number}") for number in range(spread_centers)]
    packages = [build.package(f"spread {number}") for number in range(SPREAD_PACKAGES)]
    scarce = build.package("scarce")
    for center in centers:
        for package in packages:
            build.stock(center, package, SPREAD_STOCK)
        build.stock(center, scarce, scarce_units)
    spread_choice = (*(p.pk for p in packages), scarce.pk)
    spread_weights = (*(1.0 for _ in packages), SCARCE_WEIGHT)
    plans = []
    for number in range(clients):
        if number % 2 == 0:
            username = build.worker(number, hot_center)
            plans.append(ClientPlan(username, build.password, (hot_package.pk,)))
        else:
            center = centers[(number // 2) % spread_centers]
            username = build.worker(number, center)
            plans.append(ClientPlan(username, build.password, spread_choice, spread_weights))
    workload = Workload(
        clients=plans,
        households=active,
        messages=refusal_messages(),
        inactive_households=inactive,
        inactive_fraction=inactive_fraction,
        repeat_fraction=repeat_fraction,
    )
    description = (
        f"{clients} clients: {(clients + 1) // 2} on 1 hot row ({HOT_STOCK:,} units), "
        f"{clients // 2} over {spread_centers} centers x {SPREAD_PACKAGES} rows "
        f"({SPREAD_STOCK:,} units) + 1 scarce row each ({scarce_units} units); "
        f"{len(active):,} households (+{len(inactive)} inactive), validity {VALIDITY_DAYS} days"
    )
    return World(build.tag, workload, build.package_ids, build.inventory_ids, description)


def last_units_world(*, clients, units=5, households_count=2000):
    """One center with `units` units of one package; every attempt a new household."""
    build = _Builder()
    active, _ = households(build.tag, households_count)
    center = build.center("last units")
    package = build.package("last units")
    build.stock(center, package, units)
    plans = [
        ClientPlan(build.worker(number, center), build.password, (package.pk,))
        for number in range(clients)
    ]
    workload = Workload(
        clients=plans, households=active, messages=refusal_messages(), fresh_households=True
    )
    description = (
        f"{clients} clients at one center, {units} units of one package, "
        f"a new household for every attempt"
    )
    return World(
        build.tag, workload, build.package_ids, build.inventory_ids, description, units=units
    )


# --- checks ----------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


def answered_normally(event):
    """A page that loaded, or a POST answered with a receipt or a refusal."""
    if event.kind == "post":
        return event.outcome == SUCCESS or event.outcome in refusal_codes()
    return event.outcome == "ok"


def check_stock():
    """Run `manage.py check_stock`; return (ok, its last line)."""
    from django.core.management import CommandError, call_command

    out = StringIO()
    try:
        call_command("check_stock", stdout=out)
    except CommandError as error:
        lines = out.getvalue().strip().splitlines()
        return False, f"{error} {lines[0] if lines else ''}".strip()
    return True, out.getvalue().strip().splitlines()[-1]


def verify(world, result, *, in_doubt_allowed=False):
    """Reconcile what the clients saw with the log and the stock; return a list of Checks.

    Normally every success row must have been seen by a client and every refusal must
    have its failed row. With `in_doubt_allowed` (fault runs), a request that got no
    answer or a 5xx may have committed before the failure: success/failed rows nobody
    saw are allowed up to the number of such requests, and are reported.
    """
    from django.db import connection
    from django.db.models import Count, Sum

    from distribution.models import DistributionLog
    from inventory.models import Inventory, StockMovement

    connection.close()  # after a database restart the old connection is dead
    Status = DistributionLog.Status
    logs = DistributionLog.objects.filter(package_id__in=world.package_ids)
    logged = set(logs.filter(transaction_status=Status.SUCCESS).values_list("pk", flat=True))
    seen = result.seen_successes
    posts = result.posts
    codes = set(refusal_codes())
    # No receipt and no refusal (5xx, 4xx, no answer): the attempt may or may not have
    # been recorded before the failure.
    in_doubt = sum(1 for post in posts if post.outcome != SUCCESS and post.outcome not in codes)
    refusals_seen = sum(1 for post in posts if post.outcome in codes)
    failed_rows = logs.filter(transaction_status=Status.FAILED).count()

    checks = []
    missing = set(seen) - logged
    checks.append(
        Check(
            "every success a client saw is a success row in the log",
            not missing,
            f"{len(seen)} seen, {len(logged)} in the log"
            + (f"; missing: {sorted(missing)[:10]}" if missing else ""),
        )
    )
    repeats = [log_id for log_id, n in Counter(seen).items() if n > 1]
    checks.append(Check("no receipt seen by two submissions", not repeats, str(repeats[:10])))
    extra = logged - set(seen)
    if in_doubt_allowed:
        checks.append(
            Check(
                "success rows nobody saw <= requests left in doubt",
                len(extra) <= in_doubt,
                f"{len(extra)} unseen success rows, {in_doubt} POSTs without a receipt or refusal",
            )
        )
        checks.append(
            Check(
                "failed rows match the refusals seen (+ requests in doubt)",
                refusals_seen <= failed_rows <= refusals_seen + in_doubt,
                f"{failed_rows} failed rows, {refusals_seen} refusals seen, {in_doubt} in doubt",
            )
        )
    else:
        checks.append(
            Check(
                "no success row that no client saw",
                not extra,
                f"{len(extra)} extra" + (f": {sorted(extra)[:10]}" if extra else ""),
            )
        )
        checks.append(
            Check(
                "one failed row per refusal seen",
                failed_rows == refusals_seen,
                f"{failed_rows} failed rows, {refusals_seen} refusals seen",
            )
        )
    doubled = (
        logs.filter(transaction_status=Status.SUCCESS, void__isnull=True)
        .values("household_id", "package_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    checks.append(Check("no household served the same package twice", doubled == 0, str(doubled)))

    restocked = dict(
        StockMovement.objects.filter(inventory_id__in=world.inventory_ids)
        .values_list("inventory_id")
        .annotate(total=Sum("quantity_change"))
    )
    handed_out = {
        (row["center_id"], row["package_id"]): row["total"]
        for row in logs.filter(transaction_status=Status.SUCCESS)
        .values("center_id", "package_id")
        .annotate(total=Sum("quantity_distributed"))
    }
    unbalanced = []
    for inventory in Inventory.objects.filter(pk__in=world.inventory_ids):
        out = handed_out.get((inventory.center_id, inventory.package_id), 0)
        on_hand = inventory.quantity_on_hand
        if on_hand < 0 or restocked.get(inventory.pk, 0) - out != on_hand:
            unbalanced.append(
                f"#{inventory.pk}: {restocked.get(inventory.pk)} - {out} != {on_hand}"
            )
    checks.append(
        Check(
            "this run's stock = restocked - successes, never negative",
            not unbalanced,
            f"{len(world.inventory_ids)} rows" + (f"; {unbalanced[:5]}" if unbalanced else ""),
        )
    )
    ok, line = check_stock()
    checks.append(Check("manage.py check_stock passes", ok, line))
    if world.units is not None:
        checks.append(
            Check(
                f"exactly {world.units} successes over HTTP for {world.units} units",
                len(seen) == world.units and len(logged) == world.units,
                f"{len(seen)} seen, {len(logged)} in the log",
            )
        )
    checks.append(
        Check(
            "every client signed in",
            not result.login_failures,
            "; ".join(result.login_failures[:3]),
        )
    )
    if not in_doubt_allowed:
        statuses = result.statuses()
        server_errors = {s: n for s, n in statuses.items() if s >= 500}
        checks.append(Check("no 5xx", not server_errors, str(server_errors or "")))
        expected = {SUCCESS, *codes}
        odd = {o: n for o, n in result.outcomes().items() if o not in expected}
        odd_pages = {
            o: n
            for kind in ("form", "receipt")
            for o, n in result.outcomes(kind).items()
            if o != "ok"
        }
        checks.append(
            Check(
                "every POST got a receipt or a refusal, every page loaded",
                not odd and not odd_pages,
                str({**odd, **odd_pages} or ""),
            )
        )
    return checks
