"""Property tests for Django admin: hostile input to its forms, search and list filters.

The same properties as test_fuzz.py, for the forms managers and admins can send in
the admin (households, reorder levels, centers, packages, staff, users) and for
every registered model's changelist (search box, list filters, date drill-down,
ordering, paging): never a 500, never an unescaped script echoed back, and a form
shown again with errors, or refused, changes nothing.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from aidtracker.tests.test_fuzz import (
    FUZZ,
    assert_no_echo,
    hostile_values,
    ids_of,
    rolled_back,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# (model label, view, role): the admin forms a manager or an admin may send.
FORMS = [
    ("households.household", "add", "manager"),
    ("households.household", "change", "manager"),
    ("inventory.inventory", "change", "manager"),
    ("households.household", "add", "admin"),
    ("inventory.inventory", "change", "admin"),
    ("inventory.aidpackage", "add", "admin"),
    ("inventory.aidpackage", "change", "admin"),
    ("centers.distributioncenter", "add", "admin"),
    ("centers.distributioncenter", "change", "admin"),
    ("centers.staffmember", "add", "admin"),
    ("auth.user", "change", "admin"),
]

# Values that make the admin forms valid, so that one hostile field meets valid ones.
VALID = {
    "family_name": "Okafor",
    "primary_contact_name": "Ngozi Okafor",
    "phone_number": "+1 312 555 0199",
    "email": "ngozi@example.org",
    "address": "4 Harbour Road",
    "city": "Springfield",
    "state": "IL",
    "zip_code": "62701",
    "family_size": "5",
    "income_level": "very_low",
    "priority_level": "high",
    "status": "active",
    "registration_date": "2025-02-01",
    "reorder_level": "4",
    "package_name": "Winter kit",
    "category": "shelter",
    "estimated_cost": "12.50",
    "unit_weight_kg": "3.2",
    "validity_period_days": "30",
    "is_active": "on",
    "center_name": "Harbourside",
    "first_name": "Amara",
    "last_name": "Okafor",
    "role": "worker",
    "hire_date": "2025-01-06",
    "username": "amara",
}


def admin_form_fields(client, url):
    """The names of the editable fields of the admin form at `url` (from its context)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context["adminform"].form.fields)


def snapshot(model):
    return list(model._default_manager.order_by("pk").values())


def form_url(label, view, world):
    model = apps.get_model(label)
    opts = model._meta
    if view == "add":
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_add"), model
    obj = {
        "households.household": world.household,
        "inventory.inventory": world.inventory,
        "inventory.aidpackage": world.package,
        "centers.distributioncenter": world.center,
        "auth.user": world.staff["worker"].user,
    }[label]
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), model


@FUZZ
@given(data=st.data())
def test_admin_forms(client, portal, db_state, data):
    label, view, role = data.draw(st.sampled_from(FORMS), label="form")
    client.force_login(portal.staff[role].user)
    url, model = form_url(label, view, portal)
    names = admin_form_fields(client, url)
    # One hostile field among valid values: the form is saved or shown again for it alone.
    hostile = data.draw(st.sampled_from([None, *names]), label="hostile field")
    post = {name: VALID.get(name, "") for name in names}
    if hostile:
        post[hostile] = data.draw(hostile_values(ids_of(portal)), label=hostile)
    with rolled_back():
        before, rows = db_state(), snapshot(model)
        response = client.post(url, post)
        event(f"{label} {view} {role}: {response.status_code}")
        assert response.status_code in (200, 302, 403), (url, post, response.status_code)
        assert_no_echo(response)
        if response.status_code == 302:
            assert_no_echo(client.get(response["Location"]))
        else:  # shown again with its errors, or refused: nothing saved
            assert db_state() == before
            assert snapshot(model) == rows


CHANGELISTS = {
    f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist": model_admin
    for model, model_admin in admin.site._registry.items()
}


def changelist_params(model_admin):
    """Query-string parameters of a changelist: its filters, search, ordering, paging."""
    names = ["q", "o", "p", "e", "_popup"]
    for entry in model_admin.list_filter:
        if isinstance(entry, str | tuple):  # a field name, or (field name, filter class)
            name = entry if isinstance(entry, str) else entry[0]
            names += [f"{name}__exact", f"{name}__id__exact", f"{name}__in", f"{name}__isnull"]
        else:  # a SimpleListFilter: its own parameter
            names.append(entry.parameter_name)
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    names.append("pk__gt")  # a lookup the admin does not offer
    return names


@FUZZ
@given(data=st.data())
def test_admin_changelist_search_and_filters(client, portal, db_state, data):
    role = data.draw(st.sampled_from(["manager", "admin"]), label="role")
    client.force_login(portal.staff[role].user)
    url_name = data.draw(st.sampled_from(sorted(CHANGELISTS)), label="changelist")
    params = {
        name: data.draw(hostile_values(ids_of(portal)), label=name)
        for name in changelist_params(CHANGELISTS[url_name])
        if data.draw(st.booleans(), label=f"send {name}")
    }
    before = db_state()
    response = client.get(reverse(url_name), params)
    event(f"changelist: {response.status_code}")
    # 302: the admin's answer to a lookup it refuses (?e=1); 400: a _to_field it does not
    # allow (Django's SuspiciousOperation); 403: not for this role.
    assert response.status_code in (200, 302, 400, 403), (url_name, params, response.status_code)
    assert_no_echo(response)
    assert db_state() == before


def test_every_changelist_is_fuzzed():
    assert len(CHANGELISTS) >= 10
    assert "admin:audit_accesslog_changelist" in CHANGELISTS
    assert get_user_model()._meta.model_name in " ".join(CHANGELISTS)


@pytest.mark.parametrize("value", [":", "abc", "1.5", "²", "-1", "9" * 40, str(2**31)])
def test_autocomplete_field_survives_a_value_that_is_no_key(client, portal, value):
    """Found by test_admin_forms: Django's autocomplete widget crashed re-showing "abc"."""
    client.force_login(portal.staff["admin"].user)
    post = {name: VALID.get(name, "") for name in ("first_name", "last_name", "role")}
    post |= {"user": value, "email": "amara@example.org", "hire_date": "2025-01-06"}
    response = client.post(reverse("admin:centers_staffmember_add"), post)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"]


def test_autocomplete_field_still_shows_a_valid_choice_again(client, portal):
    client.force_login(portal.staff["admin"].user)
    user = get_user_model().objects.create(username="amara")
    post = {name: VALID.get(name, "") for name in ("first_name", "last_name", "role")}
    post |= {"user": str(user.pk), "email": "not an address", "hire_date": "2025-01-06"}
    response = client.post(reverse("admin:centers_staffmember_add"), post)
    assert response.status_code == 200
    assert f'<option value="{user.pk}" selected>amara</option>' in response.content.decode()


@pytest.mark.parametrize("value", ["-1", "1000001", str(2**31)])
def test_admin_reorder_level_out_of_range_is_a_form_error(client, portal, db_state, value):
    """Found by test_admin_forms: the admin accepted what set_reorder_level() refuses (500)."""
    client.force_login(portal.staff["manager"].user)
    url = reverse("admin:inventory_inventory_change", args=[portal.inventory.pk])
    before = db_state()
    response = client.post(url, {"reorder_level": value})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reorder_level"]
    assert db_state() == before


@pytest.mark.parametrize(
    "query",
    [
        {"created_at__year": "2147483648"},  # OverflowError in Django 5.2's ChangeList
        {"created_at__year": "9999"},  # its to_date: year 10000 is out of range
        {"created_at__year": "9" * 30},
        {"created_at__year": "2026", "created_at__month": "13"},
        {"created_at__year": "2026", "created_at__month": "2", "created_at__day": "0"},
        {"created_at__year": "²"},
    ],
)
@pytest.mark.parametrize(
    "changelist", ["admin:audit_accesslog_changelist", "admin:axes_accessattempt_changelist"]
)
def test_out_of_range_date_drilldown_is_a_bad_lookup_not_a_500(client, portal, changelist, query):
    """Found by test_admin_changelist_search_and_filters (Django ticket #37357)."""
    client.force_login(portal.staff["admin"].user)
    field = "attempt_time" if changelist.startswith("admin:axes") else "created_at"
    query = {key.replace("created_at", field): value for key, value in query.items()}
    url = reverse(changelist)
    response = client.get(url, query)
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"
    assert client.get(url, {f"{field}__year": "2026"}).status_code == 200  # in range: shown
