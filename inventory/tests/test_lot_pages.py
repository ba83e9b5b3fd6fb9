"""Lots on the pages: the restock form's lot and expiry, the stock page's lots and badges,
write-offs through the adjustment form, the dashboard's expiry alerts, the package
form's perishable choice, and the status page's lot check."""

import re

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from inventory.models import AidPackage, Inventory, StockLot
from inventory.services import EXPIRY_REQUIRED_MESSAGE, restock
from inventory.tests.factories import AidPackageFactory
from inventory.tests.lots import assert_lots_add_up, day, lot, lots_of

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def rice(center, admin_staff):
    """Perishable: lot OLD expired (3), lot SOON (4, in 12 days), lot LATER (9, in 90 days)."""
    package = AidPackageFactory(package_name="Rice", is_perishable=True)
    for code, quantity, expiry in (
        ("OLD", 3, day(-2)),
        ("SOON", 4, day(12)),
        ("LATER", 9, day(90)),
    ):
        restock(
            center=center,
            package=package,
            quantity=quantity,
            staff=admin_staff,
            lot_code=code,
            expiry_date=expiry,
        )
    return package


def test_the_restock_form_takes_a_lot_code_and_an_expiry_date(client, center, manager, rice):
    client.force_login(manager.user)
    url = reverse("inventory:restock", args=[center.pk])

    refused = client.post(url, {"package": rice.pk, "quantity": 5, "lot_code": "N-1", "notes": ""})
    assert refused.status_code == 200
    assert refused.context["form"].errors["expiry_date"] == [EXPIRY_REQUIRED_MESSAGE]

    data = {"package": rice.pk, "quantity": 5, "lot_code": "N-1", "expiry_date": day(60)}
    response = client.post(url, {**data, "notes": ""}, follow=True)
    assert response.redirect_chain
    assert ("N-1", day(60), 5) in lots_of(center, rice)
    assert_lots_add_up()


def test_the_stock_page_lists_each_rows_lots_with_expiry_badges(client, center, manager, rice):
    client.force_login(manager.user)

    page = text(client.get(reverse("inventory:stock")))

    def shown(code, expiry, units):  # the code stays left to right in Arabic pages
        code = f'<bdi class="ltr" dir="ltr">{code}</bdi>'
        return f'{code} · {expiry:%Y-%m-%d} · <span class="lot-quantity">{units}</span>'

    assert f'{shown("OLD", day(-2), 3)} <span class="badge text-bg-danger">expired</span>' in page
    expiring = '<span class="badge text-bg-warning text-wrap">expiring within 30 days</span>'
    assert f"{shown('SOON', day(12), 4)} {expiring}" in page
    assert f"{shown('LATER', day(90), 9)}</div>" in page


def test_a_write_off_through_the_adjustment_form(client, center, manager, rice):
    client.force_login(manager.user)
    inventory = Inventory.objects.get(center=center, package=rice)
    url = reverse("inventory:adjust", args=[inventory.pk])
    form = client.get(url).context["form"]
    labels = [label for _, label in form.fields["lot"].choices]
    assert f"lot OLD, expires {day(-2):%Y-%m-%d} (expired): 3 on hand" in labels

    old = lot(center, rice, "OLD")
    response = client.post(
        url, {"delta": -3, "reason": "expired", "lot": old.pk, "notes": "Past date"}
    )

    assert response.status_code == 302
    assert lots_of(center, rice)[0] == ("OLD", day(-2), 0)
    movement = inventory.movements.first()
    assert (movement.quantity_change, movement.reason, movement.lot) == (-3, "expired", old)
    assert_lots_add_up()


def test_a_write_off_of_more_than_the_lot_holds_shows_the_error(client, center, manager, rice):
    client.force_login(manager.user)
    inventory = Inventory.objects.get(center=center, package=rice)

    response = client.post(
        reverse("inventory:adjust", args=[inventory.pk]),
        {"delta": -4, "reason": "damaged", "lot": lot(center, rice, "OLD").pk, "notes": ""},
    )

    assert response.status_code == 200
    assert "take the lot below zero (3 in it)" in text(response)
    assert_lots_add_up()


def test_the_dashboard_alerts_on_expired_and_expiring_lots_of_the_center(
    client, center, other_center, admin_staff, worker, rice
):
    restock(
        center=other_center,
        package=rice,
        quantity=2,
        staff=admin_staff,
        lot_code="ELSEWHERE",
        expiry_date=day(-5),
    )
    client.force_login(worker.user)

    page = text(client.get(reverse("home")))

    alert = page[page.index('id="dashboard-expiry"') :]
    alert = alert[: alert.index("</div>")]
    expired = '<span class="badge text-bg-danger">expired</span>'
    expiring = '<span class="badge text-bg-warning">expires</span>'
    old, soon = (f'<bdi class="ltr" dir="ltr">{code}</bdi>' for code in ("OLD", "SOON"))
    assert f"Rice: 3 units, {old}, {expired} {date_format(day(-2))}" in alert
    assert f"Rice: 4 units, {soon}, {expiring} {date_format(day(12))}" in alert
    assert "LATER" not in alert
    assert "ELSEWHERE" not in alert


def test_no_alert_without_lots_expiring(client, center, worker, admin_staff):
    restock(center=center, package=AidPackageFactory(), quantity=5, staff=admin_staff)
    client.force_login(worker.user)
    assert 'id="dashboard-expiry"' not in text(client.get(reverse("home")))


@pytest.mark.parametrize(
    ("choice", "category", "perishable"),
    [
        ("unknown", "food", True),
        ("unknown", "shelter", False),
        ("false", "food", False),
        ("true", "shelter", True),
    ],
)
def test_the_package_form_sets_perishable_or_leaves_it_to_the_category(
    client, admin_staff, choice, category, perishable
):
    client.force_login(admin_staff.user)
    data = {
        "package_name": "Tarpaulin",
        "category": category,
        "description": "",
        "unit_weight_kg": "3.00",
        "estimated_cost": "12.00",
        "validity_period_days": "30",
        "units_per_household": "1",
        "persons_per_unit": "",
        "max_units": "",
        "is_perishable": choice,
        "is_active": "on",
    }

    response = client.post(reverse("inventory:package_create"), data)

    assert response.status_code == 302
    assert AidPackage.objects.get(package_name="Tarpaulin").is_perishable is perishable


def test_the_status_page_says_whether_the_lots_add_up(client, center, admin_staff, rice):
    client.force_login(admin_staff.user)
    url = reverse("system_status")
    assert "lots add up in the 1 row" in text(client.get(url))

    StockLot.objects.filter(lot_code="SOON").update(quantity=1)

    page = text(client.get(url))
    assert "the lots of 1 of 1 rows do not add up" in page
    assert "Rice at Riverside: lots hold 13, on hand 16" in page
