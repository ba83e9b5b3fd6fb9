"""Stock forms (restock, adjustment, reorder level) and the portal's error and other pages."""

import re
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.db import OperationalError
from django.urls import reverse

from aidtracker.tests.form_helpers import (
    REQUIRED,
    WHOLE_NUMBER,
    field_errors,
    non_field_errors,
    on_hand,
    signed_in,
)
from inventory.models import Inventory, StockMovement
from inventory.services import BELOW_ZERO_MESSAGE

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------ inventory


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "0", "Ensure this value is greater than or equal to 1."),
        ("quantity", "-3", "Ensure this value is greater than or equal to 1."),
        ("quantity", "10000001", "Ensure this value is less than or equal to 1000000."),
        ("quantity", "9" * 40, "Ensure this value is less than or equal to 1000000."),
        ("quantity", "ten", WHOLE_NUMBER),
        ("quantity", "", REQUIRED),
        (
            "package",
            "2000000000",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        ("notes", "n" * 501, "Ensure this value has at most 500 characters (it has 501)."),
    ],
)
def test_restock_field_errors(client, portal, db_state, field, value, message):
    signed_in(client, portal, "manager")
    data = {"package": portal.package.pk, "quantity": "5", "notes": "", field: value}
    before = db_state()
    response = client.post(reverse("inventory:restock", args=[portal.center.pk]), data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert db_state() == before


def test_restock_adds_stock_and_a_movement(client, portal):
    signed_in(client, portal, "manager")
    stock = on_hand(portal.inventory)
    response = client.post(
        reverse("inventory:restock", args=[portal.center.pk]),
        {"package": portal.package.pk, "quantity": "7", "notes": "Delivery 42"},
        follow=True,
    )
    assert on_hand(portal.inventory) == stock + 7
    movement = StockMovement.objects.latest("pk")
    assert (movement.quantity_change, movement.notes) == (7, "Delivery 42")
    assert f"Added 7 × Food basket; {stock + 7} on hand." in response.content.decode()


def test_restock_of_a_new_package_creates_the_row(client, portal):
    signed_in(client, portal, "other_manager")
    client.post(
        reverse("inventory:restock", args=[portal.other_center.pk]),
        {"package": portal.other_package.pk, "quantity": "3"},
    )
    row = Inventory.objects.get(center=portal.other_center, package=portal.other_package)
    assert row.quantity_on_hand == 3


def test_restock_of_another_center_is_refused(client, portal, db_state):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("inventory:restock", args=[portal.other_center.pk]),
        {"package": portal.package.pk, "quantity": "5"},
    )
    assert response.status_code == 403
    assert db_state() == before


def test_restock_of_a_nonexistent_center_is_404(client, portal):
    signed_in(client, portal, "admin")
    response = client.post(
        reverse("inventory:restock", args=[2_000_000_000]),
        {"package": portal.package.pk, "quantity": "5"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("url_name", ["inventory:adjust", "inventory:reorder_level"])
def test_another_centers_inventory_id_is_refused(client, portal, db_state, url_name):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse(url_name, args=[portal.other_inventory.pk]),
        {"delta": "-5", "reason": "lost", "reorder_level": "0"},
    )
    assert response.status_code == 403
    assert db_state() == before


@pytest.mark.parametrize("url_name", ["inventory:adjust", "inventory:reorder_level"])
def test_nonexistent_inventory_id_is_404(client, portal, url_name):
    signed_in(client, portal, "admin")
    response = client.post(reverse(url_name, args=[2_000_000_000]), {"delta": "1"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"delta": "0"}, "delta", "An adjustment must add or remove at least one unit."),
        ({"delta": "-1000000"}, "delta", "Ensure this value is greater than or equal to -999999."),
        ({"delta": "many"}, "delta", WHOLE_NUMBER),
        (
            {"reason": "delivery"},
            "reason",
            "Select a valid choice. delivery is not one of the available choices.",
        ),
        ({"reason": ""}, "reason", REQUIRED),
    ],
)
def test_adjustment_field_errors(client, portal, db_state, data, field, message):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("inventory:adjust", args=[portal.inventory.pk]),
        {"delta": "-1", "reason": "damaged", "notes": "", **data},
    )
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert db_state() == before


def test_adjustment_below_zero_is_refused(client, portal, db_state):
    signed_in(client, portal, "manager")
    stock = on_hand(portal.inventory)
    before = db_state()
    response = client.post(
        reverse("inventory:adjust", args=[portal.inventory.pk]),
        {"delta": str(-(stock + 1)), "reason": "lost"},
    )
    assert response.status_code == 200
    assert non_field_errors(response) == [BELOW_ZERO_MESSAGE % {"on_hand": stock}]
    assert db_state() == before


def test_adjustment_changes_stock_with_reason(client, portal):
    signed_in(client, portal, "manager")
    stock = on_hand(portal.inventory)
    response = client.post(
        reverse("inventory:adjust", args=[portal.inventory.pk]),
        {"delta": "-2", "reason": "expired", "notes": "Sell-by date passed"},
    )
    assert response.status_code == 302
    assert on_hand(portal.inventory) == stock - 2
    movement = StockMovement.objects.latest("pk")
    assert (movement.kind, movement.reason, movement.quantity_change) == (
        "adjustment",
        "expired",
        -2,
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("1000001", "Ensure this value is less than or equal to 1000000."),
        ("low", WHOLE_NUMBER),
        ("", REQUIRED),
    ],
)
def test_reorder_level_field_errors(client, portal, db_state, value, message):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("inventory:reorder_level", args=[portal.inventory.pk]), {"reorder_level": value}
    )
    assert response.status_code == 200
    assert message in field_errors(response, "reorder_level")
    assert db_state() == before


def test_reorder_level_is_set(client, portal):
    signed_in(client, portal, "admin")
    client.post(
        reverse("inventory:reorder_level", args=[portal.inventory.pk]), {"reorder_level": 0}
    )
    assert Inventory.objects.get(pk=portal.inventory.pk).reorder_level == 0


def test_low_and_out_of_stock_badges(client, portal):
    Inventory.objects.filter(pk=portal.inventory.pk).update(reorder_level=50)
    signed_in(client, portal, "manager")
    client.post(
        reverse("inventory:adjust", args=[Inventory.objects.get(package=portal.other_package).pk]),
        {"delta": "-5", "reason": "lost"},
    )
    content = client.get(reverse("home")).content.decode()
    assert "Low stock" in content
    assert "Out of stock" in content


# ----------------------------------------------------------------------- error pages


def assert_portal_look(response):
    content = response.content.decode()
    assert 'class="navbar-brand fw-bold"' in content
    assert "vendor/bootstrap/css/bootstrap.min.css" in content


def test_403_page_is_in_portal_look(client, portal):
    signed_in(client, portal, "volunteer")
    response = client.get(reverse("inventory:restock", args=[portal.center.pk]))
    assert response.status_code == 403
    assert_portal_look(response)
    content = response.content.decode()
    assert "You are not allowed to do this" in content
    assert "Only a manager of this center or an admin can change its stock." in content
    assert reverse("households:list") in content  # the navigation is there to go on


@pytest.mark.parametrize("path", ["/no-such-page/", "/households/2000000000/"])
def test_404_page_is_in_portal_look(client, portal, path):
    signed_in(client, portal, "worker")
    response = client.get(path)
    assert response.status_code == 404
    assert_portal_look(response)
    assert "Page not found" in response.content.decode()


def test_unexpected_error_renders_the_500_page(client, portal):
    signed_in(client, portal, "worker")
    client.raise_request_exception = False
    with mock.patch("households.views.search_households", side_effect=RuntimeError("boom")):
        response = client.get(reverse("households:list"), {"q": "Okafor"})
    assert response.status_code == 500
    assert_portal_look(response)
    assert "Something went wrong" in response.content.decode()


def test_database_outage_in_a_view_renders_503(client, portal):
    signed_in(client, portal, "worker")
    client.raise_request_exception = False
    outage = OperationalError(2003, "Can't connect to MySQL server on '127.0.0.1' (111)")
    with mock.patch("households.views.search_households", side_effect=outage):
        response = client.get(reverse("households:list"), {"q": "Okafor"})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert_portal_look(response)
    assert "Service temporarily unavailable" in response.content.decode()
    assert client.get(reverse("households:list"), {"q": "Okafor"}).status_code == 200


def test_whole_database_outage_renders_503_and_recovers(client, portal):
    """Every query fails (session, staff, view): still the 503 page, then back to normal."""
    from django.db.backends.utils import CursorWrapper

    signed_in(client, portal, "worker")
    client.raise_request_exception = False
    outage = OperationalError(2003, "Can't connect to MySQL server on '127.0.0.1' (111)")
    with mock.patch.object(CursorWrapper, "execute", side_effect=outage):
        response = client.get(reverse("home"))

    assert response.status_code == 503
    assert "Service temporarily unavailable" in response.content.decode()
    assert client.get(reverse("home")).status_code == 200


def test_locked_out_page_is_in_portal_look(client, worker):
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "worker", "password": "nope"})
    assert response.status_code == 429
    assert_portal_look(response)


def test_login_redirect_keeps_the_page_asked_for(client, portal):
    url = reverse("households:detail", args=[portal.household.pk])
    response = client.get(url)
    assert urlsplit(response["Location"]).path == reverse("login")
    login = client.post(
        response["Location"], {"username": "worker", "password": "correct-horse-battery"}
    )
    assert login.status_code == 302
    assert login["Location"] == url


# ---------------------------------------------------------- display details


def test_nav_links_point_where_their_names_say(client, portal):
    from aidtracker.context_processors import NAV_URL_NAMES

    signed_in(client, portal, "admin")  # sees every link
    page = client.get(reverse("home")).content.decode()
    for name in NAV_URL_NAMES:
        assert page.count(f'"{reverse(name)}"') >= 2, name  # the menu and the bar


@pytest.mark.parametrize("url_name", ["password_change", "password_change_done"])
def test_password_change_pages_are_in_portal_look(client, portal, url_name):
    signed_in(client, portal, "worker")
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert_portal_look(response)


@pytest.mark.parametrize("url_name", ["home", "inventory:stock"])
def test_admin_center_picker_selects_the_center_shown(client, portal, url_name):
    signed_in(client, portal, "admin")  # works at Riverside; Hillcrest sorts first
    response = client.get(reverse(url_name))
    assert response.context["center"] == portal.center
    assert str(response.context["center_form"]["center"].value()) == str(portal.center.pk)


@pytest.mark.parametrize("url_name", ["inventory:stock", "centers:detail"])
def test_stock_badges_show_human_labels(client, portal, url_name):
    signed_in(client, portal, "manager")
    kwargs = {"pk": portal.center.pk} if url_name == "centers:detail" else {}
    content = client.get(reverse(url_name, kwargs=kwargs)).content.decode()
    assert "Low stock" in content
    assert ">LOW_STOCK<" not in content


def test_dashboard_tables_become_labelled_cards_on_phones(client, portal):
    signed_in(client, portal, "manager")
    page = client.get(reverse("home")).content.decode()
    assert page.count('<table class="table table-cards') == 2  # stock, latest log entries
    assert "table-responsive" not in page
    cells = re.findall(r"<td[^>]*>", page)
    assert cells
    assert all("data-label=" in cell or "colspan=" in cell for cell in cells)
