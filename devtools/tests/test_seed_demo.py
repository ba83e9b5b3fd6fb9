"""seed_demo: the demo world, built through the services, idempotent, refused in production."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from centers.models import DistributionCenter, StaffMember
from centers.tests.test_commands import sign_in
from devtools.management.commands import seed_demo
from distribution.models import DistributionLog
from households.models import Household
from inventory.models import AidPackage, Inventory, StockMovement

pytestmark = pytest.mark.django_db

SEEDED_MODELS = (
    DistributionCenter,
    StaffMember,
    get_user_model(),
    AidPackage,
    Inventory,
    StockMovement,
    Household,
    DistributionLog,
)


def counts():
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


@pytest.fixture
def seeded():
    call_command("seed_demo", "--force", stdout=io.StringIO())


def test_seed_demo_twice_duplicates_nothing(seeded):
    first = counts()
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert counts() == first
    assert first["Household"] == 308  # 300, and four families registered twice
    assert first["DistributionCenter"] >= 4


def test_seed_demo_refuses_without_debug_unless_forced():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


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


def test_seed_demo_history_goes_through_the_services(seeded):
    logs = DistributionLog.objects.all()
    assert logs.filter(transaction_status=DistributionLog.Status.SUCCESS).count() > 100
    assert logs.filter(transaction_status=DistributionLog.Status.FAILED).exists()
    call_command("check_stock")  # raises CommandError if any row does not balance
