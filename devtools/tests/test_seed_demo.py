"""seed_demo: six months of history, today's work through the services, idempotent,
refused in production.

Seeding takes seconds, so the module seeds one world (rolled back at the end) and
every test reads it; the tests that write do so inside their own rolled-back block.
"""

import datetime
import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.utils import timezone

from centers.models import DistributionCenter, StaffMember
from centers.tests.test_commands import sign_in
from devtools.demo.data import CENTERS, HISTORY_MONTHS, LOGINS
from devtools.demo.history import months_before
from devtools.loadgen.data import LOAD_NOTE, month_starts
from devtools.management.commands import seed_demo
from distribution.models import DistributionLog, OwedItem, Visit
from distribution.selectors import open_owed_items
from households.models import Household, HouseholdMember
from inventory.models import AidPackage, Inventory, StockMovement, Transfer
from inventory.selectors import expiry_alerts
from reports import rollup

pytestmark = pytest.mark.django_db

SEEDED_MODELS = (
    DistributionCenter,
    StaffMember,
    get_user_model(),
    AidPackage,
    Inventory,
    StockMovement,
    Household,
    HouseholdMember,
    DistributionLog,
    Visit,
    OwedItem,
    Transfer,
)


def counts():
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The command's output; the world stays in the database until the module ends."""
    output = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--force", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def first_center(seeded):
    return DistributionCenter.objects.get(center_name=CENTERS[0][0])


def successes():
    return DistributionLog.objects.filter(transaction_status=DistributionLog.Status.SUCCESS)


def test_seed_demo_twice_duplicates_nothing(seeded):
    first = counts()
    output = io.StringIO()
    call_command("seed_demo", "--force", stdout=output)
    assert counts() == first
    assert first["Household"] == 308  # 300, and four families registered twice
    assert first["DistributionCenter"] >= 4
    assert "left as they were" in output.getvalue()


def test_seed_demo_refuses_without_debug_unless_forced():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


def test_seed_demo_prints_the_world_and_the_logins(seeded):
    assert seeded.startswith("Demo world: 5 centers, 6 packages, 308 households")
    assert f"sign in with password {seed_demo.DEMO_PASSWORD!r}" in seeded
    for username, *_, role in LOGINS:
        center = "all centers" if role == "admin" else CENTERS[0][0]
        assert f"  {username:<10} {role:<10} {center:<28} " in seeded


def test_seed_demo_logins_one_per_role_and_can_sign_in(seeded):
    for role in StaffMember.Role.values:
        staff = StaffMember.objects.get(role=role, user__isnull=False)
        assert staff.user.username == role
        user = sign_in(role, seed_demo.DEMO_PASSWORD)
        assert user == staff.user
    assert get_user_model().objects.get(username="admin").is_superuser
    assert get_user_model().objects.get(username="manager").is_staff


def test_seed_demo_covers_categories_priorities_and_stock_alerts(seeded):
    categories = set(AidPackage.objects.values_list("category", flat=True))
    assert categories == set(AidPackage.Category.values)
    priorities = set(Household.objects.values_list("priority_level", flat=True))
    assert priorities == set(Household.PriorityLevel.values)
    rows = list(Inventory.objects.all())
    assert len(rows) == DistributionCenter.objects.count() * len(AidPackage.Category.values)
    assert any(0 < row.quantity_on_hand <= row.reorder_level for row in rows)
    assert any(row.quantity_on_hand == 0 for row in rows)


def test_history_fills_the_current_month_and_the_six_before(seeded):
    now = timezone.now().astimezone(datetime.UTC)
    months = month_starts(months_before(now, 6), now)
    assert len(months) == 7
    per_month = Counter(
        (date.year, date.month) for date in successes().values_list("distribution_date", flat=True)
    )
    assert set(per_month) == {(month.year, month.month) for month in months}
    full_months = [per_month[month.year, month.month] for month in months[:-1]]
    assert min(full_months) >= 300  # enough for the monthly charts to mean something
    assert 3_000 <= sum(per_month.values()) <= 6_000
    assert DistributionLog.objects.filter(transaction_status="failed").count() > 50
    assert DistributionLog.objects.filter(transaction_status="cancelled").count() > 10


def test_history_reads_like_the_portals_own(seeded):
    """Nobody is served before registering, deliveries come monthly, no load-test notes."""
    early = DistributionLog.objects.filter(
        distribution_date__date__lt=F("household__registration_date")
    )
    assert not early.exists()
    assert not DistributionLog.objects.filter(notes=LOAD_NOTE).exists()
    voids = DistributionLog.objects.filter(transaction_status="cancelled")
    assert not voids.filter(notes__isnull=True).exists()
    deliveries = StockMovement.objects.filter(kind=StockMovement.Kind.RESTOCK)
    assert len(deliveries.dates("created_at", "month")) == HISTORY_MONTHS + 1
    recorders = set(successes().values_list("staff__role", flat=True))
    assert StaffMember.Role.MANAGER not in recorders


def test_rollups_match_the_log_and_stock_balances(seeded):
    verification = rollup.verify()
    assert verification.ok, verification.problems
    assert verification.checked["Distribution_Monthly_Rollup"] > 100
    output = io.StringIO()
    call_command("check_stock", stdout=output)  # raises CommandError on any mismatch
    assert "All 30 inventory rows balance" in output.getvalue()


def test_today_has_visits_owed_items_transfers_and_expiring_lots(seeded, first_center):
    start_of_day = (
        timezone.now().astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    assert Visit.objects.filter(visited_at__gte=start_of_day).count() >= 40
    owed = open_owed_items()
    assert owed.count() >= 3
    assert len({item.center_id for item in owed}) >= 3
    assert owed.filter(center=first_center).exists()
    statuses = Counter(Transfer.objects.values_list("status", flat=True))
    assert statuses == {Transfer.Status.RECEIVED: 1, Transfer.Status.IN_TRANSIT: 2}
    received = Transfer.objects.get(status=Transfer.Status.RECEIVED)
    assert received.quantity_received < received.quantity  # a shortfall, written off
    assert Transfer.objects.in_transit().filter(destination=first_center).exists()
    assert Transfer.objects.in_transit().filter(source=first_center).exists()
    alerts = expiry_alerts(first_center)
    assert {lot.status for lot in alerts} == {"expired", "expiring"}
    assert all(lot.lot_code for lot in alerts)


def test_dashboard_of_the_first_center_has_something_to_show(seeded, first_center):
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    response = client.get("/")
    assert response.status_code == 200
    context = response.context
    assert context["center"] == first_center
    assert context["today"]["successes"] >= 10
    assert context["today"]["failures"] >= 1
    assert context["today"]["voids"] == 1
    assert {row.stock_status for row in context["stock"]} == {
        "IN_STOCK",
        "LOW_STOCK",
        "OUT_OF_STOCK",
    }
    assert context["in_transit"].incoming == 1
    assert context["in_transit"].outgoing == 1
    assert context["expiry_alerts"]
    assert len(context["latest"]) == 10


def test_staff_and_households_read_every_language(seeded):
    languages = {"fr", "es", "ar"}
    assert languages <= set(StaffMember.objects.values_list("language", flat=True))
    by_language = Counter(Household.objects.values_list("preferred_language", flat=True))
    assert all(by_language[language] >= 2 for language in languages)
    assert by_language[""] > Household.objects.count() // 2  # most read the staff's
    logins = StaffMember.objects.filter(user__isnull=False)
    assert set(logins.values_list("language", flat=True)) == {""}  # the browser decides
