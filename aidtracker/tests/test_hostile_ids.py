"""Ids no row can have, in every URL and admin lookup that takes one: "not found", not a 500.

SQLite holds 64-bit integers and Python's sqlite3 refuses to bind a larger int; Django
guards plain integer lookups against that, not lookups through a relation (a one-to-one
primary key such as the stock view's, a foreign key filter) or `__in`. Every registered
admin model's change, history and delete URLs, Django admin's "view on site" link, the
changelists' relation filters and every portal URL with an int path parameter are
asked with such ids, as an admin and as a manager, on whichever database runs the tests.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aidtracker.tests.test_access import walked_routes
from inventory.models import Inventory

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = "99999999999999999999"
HOSTILE_IDS = [
    BEYOND_64_BITS,
    str(2**63),
    str(-(2**63) - 1),
    str(2**31),
    "-1",
    "0",
    "1e5",
    "²",
    "0x10",
    "9" * 5000,  # over int()'s 4300-digit limit
]
OBJECT_VIEWS = ["change", "history", "delete"]
MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, object_id, view):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{object_id}/{view}/"


@pytest.mark.parametrize("role", ["admin", "manager"])
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_admin_object_urls_answer_a_hostile_id_as_not_found(client, portal, db_state, model, role):
    client.force_login(portal.staff[role].user)
    before = db_state()
    answers = {
        (view, object_id): client.get(admin_url(model, object_id, view))
        for view in OBJECT_VIEWS
        for object_id in HOSTILE_IDS
    }
    # 302: Django admin's "doesn't exist" redirect; 403: a view this role (or a read-only
    # admin) is refused before any lookup.
    statuses = {key: response.status_code for key, response in answers.items()}
    assert {key: status for key, status in statuses.items() if status not in (302, 403)} == {}
    assert {r["Location"] for r in answers.values() if r.status_code == 302} <= {
        reverse("admin:index")
    }
    assert db_state() == before


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_admin_object_urls_post_with_a_hostile_id_changes_nothing(client, portal, db_state, model):
    client.force_login(portal.staff["admin"].user)
    before = db_state()
    statuses = {
        view: client.post(admin_url(model, BEYOND_64_BITS, view), {"post": "yes"}).status_code
        for view in OBJECT_VIEWS
    }
    assert {view: status for view, status in statuses.items() if status not in (302, 403)} == {}
    assert db_state() == before


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_view_on_site_answers_a_hostile_id_with_404(client, portal, model):
    client.force_login(portal.staff["admin"].user)
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    statuses = {
        object_id: client.get(
            reverse("admin:view_on_site", args=[content_type.pk, object_id])
        ).status_code
        for object_id in HOSTILE_IDS
    }
    assert {object_id: s for object_id, s in statuses.items() if s != 404} == {}


def relation_filters(model_admin):
    """Query parameters that filter a changelist by a related object's id."""
    for entry in model_admin.list_filter:
        name = entry if isinstance(entry, str) else entry[0] if isinstance(entry, tuple) else None
        if name is None:
            continue
        field = model_admin.model._meta.get_field(name.split("__")[0])
        if field.is_relation:
            yield from (name, f"{name}__exact", f"{name}__in", f"{name}__id__exact")


CHANGELIST_FILTERS = [
    (model, parameter)
    for model in MODELS
    for parameter in relation_filters(admin.site._registry[model])
]


@pytest.mark.parametrize(
    ("model", "parameter"),
    CHANGELIST_FILTERS,
    ids=[f"{model._meta.label}-{parameter}" for model, parameter in CHANGELIST_FILTERS],
)
def test_changelist_relation_filters_answer_a_hostile_id_with_no_rows(
    client, portal, model, parameter
):
    """Answered as an id that names no row: the same rows, or the same refusal (?e=1)."""
    client.force_login(portal.staff["admin"].user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    def answer(value):
        response = client.get(url, {parameter: value})
        if response.status_code == 200:
            return 200, response.context["cl"].result_count
        return response.status_code, response.get("Location")

    for hostile, missing in (
        (BEYOND_64_BITS, "999999999"),
        (str(-(2**63) - 1), "-999999999"),
        (f"1,{BEYOND_64_BITS}", "1,999999999"),
    ):
        assert answer(hostile) == answer(missing), (parameter, hostile)


def test_the_walk_covers_every_kind_of_filter():
    assert len(MODELS) >= 15
    assert {parameter.split("__")[0] for _, parameter in CHANGELIST_FILTERS} >= {"center"}


# -------------------------------------------------------------------------- the portal

INT_PARAMETER = re.compile(r"<int:[^>]+>")
PORTAL_INT_ROUTES = [
    route
    for route in walked_routes()
    if route.top_namespace != "admin" and INT_PARAMETER.search(route.route)
]


@pytest.mark.parametrize("route", PORTAL_INT_ROUTES, ids=lambda route: route.label)
def test_portal_urls_answer_a_hostile_id_with_404(client, portal, db_state, route):
    client.force_login(portal.staff["admin"].user)
    before = db_state()
    for object_id in HOSTILE_IDS:
        path = "/" + INT_PARAMETER.sub(object_id, route.route)
        statuses = {client.get(path).status_code, client.post(path, {"quantity": 1}).status_code}
        # The method the view takes answers 404; the other one 404 or 405.
        assert statuses <= {404, 405}, (path, statuses)
        assert 404 in statuses, (path, statuses)
    assert db_state() == before


def test_every_portal_url_with_an_int_parameter_is_walked():
    labels = {route.label for route in PORTAL_INT_ROUTES}
    assert {"households:detail", "distribution:receipt", "distribution:void"} <= labels
    assert {"inventory:restock", "inventory:adjust", "centers:detail"} <= labels


# --------------------------------------------------------------- the database itself


@pytest.mark.parametrize("huge", [2**63, 10**30, 10**400, -(2**63) - 1])
def test_lookups_by_a_number_no_row_can_hold_match_nothing(portal, huge):
    center = portal.center
    mine = Inventory.objects.filter(center=center)
    assert not Inventory.objects.filter(center=huge).exists()
    assert set(Inventory.objects.filter(center__in=[huge, center.pk])) == set(mine)
    assert Inventory.objects.filter(center__lt=huge).exists() is (huge > 0)
    with CaptureQueriesContext(connection):  # Django re-binds the parameters to log them
        assert list(Inventory.objects.filter(center=huge)) == []
    assert Inventory.objects.filter(center=huge).delete()[0] == 0
    assert Inventory.objects.filter(pk=portal.inventory.pk).exists()


def test_writing_a_number_no_column_can_hold_still_fails(portal):
    with pytest.raises((OverflowError, DatabaseError)), transaction.atomic():
        Inventory.objects.filter(pk=portal.inventory.pk).update(reorder_level=2**63)
    portal.inventory.refresh_from_db()
    assert portal.inventory.reorder_level < 2**31
