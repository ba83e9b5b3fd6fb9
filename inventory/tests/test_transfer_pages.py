"""Transfer pages: sending, the list, one transfer with its receive and cancel forms, the
waybill, and units in transit on the stock page, the dashboard and the status page."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from inventory.models import Inventory, Transfer
from inventory.services import dispatch_transfer, receive_transfer, restock
from inventory.tests.factories import AidPackageFactory
from inventory.transfers import (
    CANCEL_NOT_ALLOWED_MESSAGE,
    DISPATCH_NOT_ALLOWED_MESSAGE,
    LOSS_NOTES_MESSAGE,
    LOSS_REASON_MESSAGE,
    RECEIVE_NOT_ALLOWED_MESSAGE,
)

pytestmark = pytest.mark.django_db


def sign_in(client, world, role):
    client.force_login(world.staff[role].user)


def send(world, quantity=4, *, source=None, destination=None, **kwargs):
    """Dispatch `quantity` food baskets, from the world's center unless told otherwise."""
    source = source or world.center
    destination = destination or (world.other_center if source == world.center else world.center)
    return dispatch_transfer(
        source=source,
        destination=destination,
        package=world.package,
        quantity=quantity,
        staff=world.staff["admin"],
        **kwargs,
    )


def on_hand(center, package):
    return Inventory.objects.get(center=center, package=package).quantity_on_hand


def make_overdue(transfer, settings, days=None):
    days = settings.TRANSFER_OVERDUE_DAYS + 1 if days is None else days
    Transfer.objects.filter(pk=transfer.pk).update(
        dispatched_at=timezone.now() - datetime.timedelta(days=days)
    )


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- sending ----------------------------------------------------------------------


def test_manager_sends_stock_from_the_form(client, portal):
    sign_in(client, portal, "manager")
    url = reverse("inventory:transfer_create", args=[portal.center.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["destination"].queryset) == [portal.other_center]
    assert set(form.fields["package"].queryset) == {portal.package, portal.other_package}

    response = client.post(
        url,
        {
            "destination": portal.other_center.pk,
            "package": portal.package.pk,
            "quantity": "6",
            "notes": "Van 2",
        },
        follow=True,
    )

    transfer = Transfer.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "inventory:transfer_detail", args=[transfer.pk]
    )
    assert f"{transfer.number}: 6 × Food basket sent to Hillcrest" in text(response)
    assert (transfer.quantity, transfer.notes, transfer.dispatched_by) == (
        6,
        "Van 2",
        portal.staff["manager"],
    )
    assert on_hand(portal.center, portal.package) == portal.inventory.quantity_on_hand - 6


def test_sending_more_than_on_hand_shows_why_and_changes_nothing(client, portal, db_state):
    sign_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("inventory:transfer_create", args=[portal.center.pk]),
        {"destination": portal.other_center.pk, "package": portal.other_package.pk, "quantity": 6},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Not enough stock to send 6: 5 on hand at Riverside."
    ]
    assert db_state() == before
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("role", ["other_manager", "worker", "volunteer"])
def test_send_form_is_refused_outside_the_managers_of_the_source(client, portal, role):
    sign_in(client, portal, role)
    response = client.get(reverse("inventory:transfer_create", args=[portal.center.pk]))
    assert response.status_code == 403
    assert str(DISPATCH_NOT_ALLOWED_MESSAGE) in text(response)


# --- the list ---------------------------------------------------------------------


def test_list_shows_both_ways_in_transit_first_and_flags_overdue(client, portal, settings):
    received = send(portal, 1)
    receive_transfer(transfer=received, quantity_received=1, staff=portal.staff["admin"])
    incoming = send(portal, 2, source=portal.other_center)
    overdue = send(portal, 3)
    make_overdue(overdue, settings)
    sign_in(client, portal, "worker")

    response = client.get(reverse("inventory:transfers"))

    listed = list(response.context["page_obj"])
    assert listed == [overdue, incoming, received]
    assert [t.direction for t in listed] == ["outgoing", "incoming", "outgoing"]
    page = text(response)
    assert f'<tr data-transfer="{overdue.number}" class="table-danger">' in page
    assert f'<tr data-transfer="{incoming.number}">' in page
    assert page.count(">Overdue</span>") == 1
    assert "Send stock" not in page  # a worker only reads


def test_list_of_another_center_for_admins_only(client, portal):
    elsewhere = DistributionCenterFactory(center_name="Lakeside")
    theirs = send(portal, 1, source=portal.other_center, destination=elsewhere)
    sign_in(client, portal, "manager")
    assert (
        theirs
        not in client.get(
            reverse("inventory:transfers"), {"center": portal.other_center.pk}
        ).context["page_obj"]
    )
    sign_in(client, portal, "admin")
    response = client.get(reverse("inventory:transfers"), {"center": portal.other_center.pk})
    assert list(response.context["page_obj"]) == [theirs]


# --- one transfer: receive and cancel ---------------------------------------------


def test_detail_offers_each_role_only_what_it_may_do(client, portal):
    transfer = send(portal, 4)
    receive_url = reverse("inventory:transfer_receive", args=[transfer.pk])
    cancel_url = reverse("inventory:transfer_cancel", args=[transfer.pk])
    expected = {
        "manager": (False, True),  # the source's manager cancels
        "other_manager": (True, False),  # the destination's manager receives
        "admin": (True, True),
        "worker": (False, False),
        "volunteer": (False, False),
    }
    for role, (receives, cancels) in expected.items():
        sign_in(client, portal, role)
        page = text(client.get(reverse("inventory:transfer_detail", args=[transfer.pk])))
        assert (receive_url in page, cancel_url in page) == (receives, cancels), role


def test_transfer_of_two_other_centers_is_not_found(client, portal):
    first, second = DistributionCenterFactory.create_batch(2)
    manager = StaffMemberFactory(role="manager", center=first)
    transfer = Transfer.objects.create(
        source=first,
        destination=second,
        package=portal.package,
        quantity=1,
        dispatched_by=manager,
    )
    sign_in(client, portal, "manager")
    for name in ("transfer_detail", "transfer_waybill"):
        assert client.get(reverse(f"inventory:{name}", args=[transfer.pk])).status_code == 404
    assert client.post(reverse("inventory:transfer_cancel", args=[transfer.pk])).status_code == 404


def test_destination_manager_receives_in_full(client, portal):
    transfer = send(portal, 4)
    sign_in(client, portal, "other_manager")
    before = on_hand(portal.other_center, portal.package)

    response = client.post(
        reverse("inventory:transfer_receive", args=[transfer.pk]),
        {"quantity_received": "4", "loss_reason": "", "notes": ""},
        follow=True,
    )

    assert f"{transfer.number} received: 4 units added." in text(response)
    assert on_hand(portal.other_center, portal.package) == before + 4
    assert Transfer.objects.get(pk=transfer.pk).status == "received"


def test_short_receipt_needs_a_reason_and_a_note(client, portal, db_state):
    transfer = send(portal, 4)
    sign_in(client, portal, "other_manager")
    url = reverse("inventory:transfer_receive", args=[transfer.pk])
    before = db_state()

    refused = client.post(url, {"quantity_received": "3", "loss_reason": "", "notes": ""})

    assert refused.status_code == 200
    form = refused.context["receive_form"]
    assert form.errors == {"loss_reason": [LOSS_REASON_MESSAGE], "notes": [LOSS_NOTES_MESSAGE]}
    assert db_state() == before

    accepted = client.post(
        url, {"quantity_received": "3", "loss_reason": "expired", "notes": "One box expired"}
    )
    assert accepted.status_code == 302
    transfer.refresh_from_db()
    assert (transfer.quantity_received, transfer.loss_reason) == (3, "expired")
    page = text(client.get(reverse("inventory:transfer_detail", args=[transfer.pk])))
    assert "1 (Expired): One box expired" in page


@pytest.mark.parametrize("value", ["5", "-1", "four", ""])
def test_receipt_count_outside_what_was_sent_is_refused(client, portal, db_state, value):
    transfer = send(portal, 4)
    sign_in(client, portal, "other_manager")
    before = db_state()
    response = client.post(
        reverse("inventory:transfer_receive", args=[transfer.pk]),
        {"quantity_received": value, "loss_reason": "lost", "notes": "x"},
    )
    assert response.status_code == 200
    assert response.context["receive_form"].errors["quantity_received"]
    assert db_state() == before


def test_receipt_by_the_source_manager_is_forbidden_with_the_reason(client, portal, db_state):
    transfer = send(portal, 4)
    sign_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("inventory:transfer_receive", args=[transfer.pk]), {"quantity_received": "4"}
    )
    assert response.status_code == 403
    assert str(RECEIVE_NOT_ALLOWED_MESSAGE) in text(response)
    assert db_state() == before


def test_second_receipt_says_it_was_received_already(client, portal, db_state):
    transfer = send(portal, 4)
    receive_transfer(transfer=transfer, quantity_received=4, staff=portal.staff["admin"])
    sign_in(client, portal, "other_manager")
    before = db_state()
    response = client.post(
        reverse("inventory:transfer_receive", args=[transfer.pk]),
        {"quantity_received": "4"},
        follow=True,
    )
    assert "This transfer has already been received." in text(response)
    assert db_state() == before


def test_cancel_returns_the_units_and_is_refused_after_receipt(client, portal, db_state):
    transfer = send(portal, 4)
    stock = on_hand(portal.center, portal.package)
    sign_in(client, portal, "manager")
    url = reverse("inventory:transfer_cancel", args=[transfer.pk])

    response = client.post(url, follow=True)

    assert f"{transfer.number} cancelled: 4 units are back at Riverside." in text(response)
    assert on_hand(portal.center, portal.package) == stock + 4
    before = db_state()
    again = client.post(url, follow=True)
    assert "This transfer was cancelled." in text(again)
    assert db_state() == before


def test_cancel_by_the_destination_is_forbidden_with_the_reason(client, portal):
    transfer = send(portal, 4)
    sign_in(client, portal, "other_manager")
    response = client.post(reverse("inventory:transfer_cancel", args=[transfer.pk]))
    assert response.status_code == 403
    assert str(CANCEL_NOT_ALLOWED_MESSAGE) in text(response)
    assert Transfer.objects.get(pk=transfer.pk).status == "in_transit"


# --- the waybill ------------------------------------------------------------------


def test_waybill_shows_every_field_and_prints_without_inline_code(client, portal):
    transfer = send(portal, 7, notes="Truck KX-204, seal 99812")
    sign_in(client, portal, "volunteer")

    response = client.get(reverse("inventory:transfer_waybill", args=[transfer.pk]))

    assert response.status_code == 200
    page = text(response)
    source, destination = portal.center, portal.other_center
    dispatched_at = transfer.dispatched_at.astimezone(datetime.UTC)
    for expected in (
        f'id="waybill-number"><bdi class="ltr" dir="ltr">{transfer.number}</bdi></div>',
        source.center_name,
        source.address,
        f"{source.city}, {source.state} {source.zip_code}",
        destination.center_name,
        destination.address,
        f"{destination.city}, {destination.state} {destination.zip_code}",
        '<td id="waybill-package">Food basket</td>',
        '<td class="waybill-quantity" id="waybill-quantity">7</td>',
        f'id="waybill-dispatched-by">{portal.staff["admin"].full_name}</dd>',
        f'id="waybill-dispatched-at">{dispatched_at:%Y-%m-%d %H:%M} UTC</dd>',
        "Truck KX-204, seal 99812",
        "Sender: name, signature, date",
        "Driver: name, vehicle, signature, date",
        "Receiver: name, signature, date",
        "data-print",
        "/static/js/print.js",
        "/static/css/waybill.css",
    ):
        assert expected in page, expected
    assert "style=" not in page
    assert "<script>" not in page


def test_waybill_of_a_cancelled_transfer_says_so(client, portal):
    transfer = send(portal, 2)
    client.force_login(portal.staff["manager"].user)
    client.post(reverse("inventory:transfer_cancel", args=[transfer.pk]))
    page = text(client.get(reverse("inventory:transfer_waybill", args=[transfer.pk])))
    assert '<span class="waybill-status" id="waybill-status">Cancelled</span>' in page


# --- units in transit elsewhere ----------------------------------------------------


def test_both_stock_pages_show_the_units_in_transit(client, portal, settings):
    send(portal, 4)
    make_overdue(send(portal, 2), settings)
    new_package = AidPackageFactory(package_name="Tarpaulin")
    restock(
        center=portal.other_center, package=new_package, quantity=3, staff=portal.staff["admin"]
    )
    dispatch_transfer(
        source=portal.other_center,
        destination=portal.center,
        package=new_package,
        quantity=3,
        staff=portal.staff["admin"],
    )

    sign_in(client, portal, "worker")
    source = client.get(reverse("inventory:stock"))
    food = next(row for row in source.context["rows"] if row.package == portal.package)
    assert (food.in_transit.outgoing, food.in_transit.incoming, food.in_transit.overdue) == (
        6,
        0,
        1,
    )
    assert [(p.package_name, t.incoming) for p, t in source.context["incoming_only"]] == [
        ("Tarpaulin", 3)
    ]

    sign_in(client, portal, "other_manager")
    destination = client.get(reverse("inventory:stock"))
    food = next(row for row in destination.context["rows"] if row.package == portal.package)
    assert (food.in_transit.outgoing, food.in_transit.incoming) == (0, 6)
    tarpaulin = next(row for row in destination.context["rows"] if row.package == new_package)
    assert (tarpaulin.quantity_on_hand, tarpaulin.in_transit.outgoing) == (0, 3)


def test_dashboard_shows_units_in_transit_and_overdue_transfers(client, portal, settings):
    settings.TRANSFER_OVERDUE_DAYS = 3
    send(portal, 4)
    late = send(portal, 1, source=portal.other_center)
    make_overdue(late, settings, days=4)
    sign_in(client, portal, "worker")

    response = client.get(reverse("home"))

    assert response.context["in_transit"].outgoing_units == 4
    assert response.context["in_transit"].incoming_units == 1
    assert response.context["overdue_transfers"] == [late]
    page = text(response)
    assert "in transit for more than 3 days" in page
    assert f"{late.number}</a>: 1 × Food basket, Hillcrest → Riverside" in page


def test_a_transfer_just_inside_the_overdue_days_is_not_overdue(portal, settings):
    transfer = send(portal, 1)
    make_overdue(transfer, settings, days=settings.TRANSFER_OVERDUE_DAYS - 1)
    transfer.refresh_from_db()
    assert not transfer.is_overdue
    make_overdue(transfer, settings)
    transfer.refresh_from_db()
    assert transfer.is_overdue


def test_status_page_shows_units_in_transit(client, portal, settings):
    send(portal, 4)
    make_overdue(send(portal, 2), settings)
    sign_in(client, portal, "admin")
    page = text(client.get(reverse("system_status")))
    assert (
        '<dd class="col-6" id="in-transit">6 units in 2 transfers '
        '<span class="badge text-bg-warning">1 overdue</span></dd>'
    ) in page
    assert "all 3 rows balance" in page
