"""Another center's manager sees none of this center's rows, on any scoped page or admin list.

The rows a staff member sees are decided once, by `restrict(staff)` on the querysets
of the models tied to a center (core.scoping). This walks every Django admin
changelist and change page of such a model, and the portal's center-scoped pages, as
the manager of the other center.
"""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from core.scoping import is_center_scoped

pytestmark = pytest.mark.django_db

# Portal pages whose rows belong to centers (households and packages are shared).
SCOPED_PAGES = [
    ("home", {}),
    ("distribution:log", {}),
    ("inventory:stock", {}),
    ("reports:monthly", {}),
    ("reports:stock", {}),
    ("reports:coverage", {}),
    ("reports:owed", {}),
    ("reports:movements", {}),
    ("inventory:transfers", {}),
]


def scoped_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if is_center_scoped(model._default_manager.all())
    ]


def rows_of(model, center):
    """The rows of `model` that belong to `center`, by the model's own path to it."""
    queryset = model._default_manager.all()
    return queryset.filter(**{queryset.center_lookup: center.pk})


def test_every_center_scoped_admin_is_walked():
    names = {model.__name__ for model, _ in scoped_admins()}
    assert {"DistributionLog", "Inventory", "StockMovement", "StaffMember", "AccessLog"} <= names


def test_another_centers_manager_sees_none_of_its_rows_in_admin(client, portal):
    from audit.services import record_access

    record_access(staff=portal.staff["manager"], action="export", target="monthly")
    other = portal.staff["other_manager"]
    client.force_login(other.user)
    request = RequestFactory().get("/")
    request.user, request.staff = other.user, other
    walked = 0
    for model, model_admin in scoped_admins():
        mine = rows_of(model, portal.center)
        if not mine.exists():
            continue
        walked += 1
        visible = model_admin.get_queryset(request)
        assert not visible.filter(pk__in=mine.values("pk")).exists(), model.__name__
        row = mine.first()
        info = (model._meta.app_label, model._meta.model_name)
        page = client.get(reverse("admin:{}_{}_change".format(*info), args=[row.pk]))
        assert page.status_code in (302, 403, 404), (model.__name__, page.status_code)
        changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200
        shown = {obj.pk for obj in changelist.context["cl"].result_list}
        assert not shown & set(mine.values_list("pk", flat=True)), model.__name__
    assert walked >= 5


@pytest.mark.parametrize(("url_name", "params"), SCOPED_PAGES)
def test_another_centers_manager_sees_none_of_its_rows_in_the_portal(
    client, portal, url_name, params
):
    client.force_login(portal.staff["other_manager"].user)
    html = client.get(reverse(url_name), params).content.decode()
    assert portal.center.center_name not in html, url_name
    assert portal.other_center.center_name in html or url_name == "home", url_name
