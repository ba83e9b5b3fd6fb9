"""Who may open which page: every URL pattern of the project, walked.

The URL walk discovers every pattern (admin included) by walking the resolver, fills
its path parameters with ids of real objects, and asserts that an anonymous GET ends
on a login page, and that no page answers an admin with a 500. The permission matrix
(every page and form, every role) is in test_permission_matrix.py; the scoping and
sign-in tests below check what a role sees once it is in.
"""

import dataclasses
import re
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern
from django.utils.regex_helper import normalize

from centers.models import DistributionCenter, StaffMember
from distribution.models import DistributionLog, Visit
from households.models import Household, HouseholdMember
from inventory.models import Inventory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"

# ----------------------------------------------------------------------------- URL walk

# Namespaces left out of the walk, with the reason shown in the test report.
# Namespaces left out of the walk, with the reason (none at present).
SKIPPED_NAMESPACES = {}

# Pages that answer without a login, by design, and what they answer an anonymous GET.
PUBLIC_PAGES = {
    "login": 200,
    "logout": 405,  # POST only; logging out needs no login
    "choose_language": 405,  # POST only; the login page's switcher needs no login
    "admin:login": 200,
    "healthz": 200,
    "readyz": 200,
}

# Routes with a known, reported bug: label -> reason (run as strict xfail).
KNOWN_BUGS = {}

# Models of int path parameters whose view class has no `model` attribute.
PARAM_MODELS = {
    ("households:status", "pk"): Household,
    ("households:issue_card", "pk"): Household,
    ("households:member_add", "pk"): Household,
    ("households:alternates", "pk"): Household,
    ("households:member_remove", "pk"): HouseholdMember,
    ("distribution:visit", "household"): Household,
    ("distribution:visit_receipt", "pk"): Visit,
    ("distribution:receipt", "pk"): DistributionLog,
    ("distribution:void", "pk"): DistributionLog,
    ("inventory:restock", "center_pk"): DistributionCenter,
    ("inventory:adjust", "pk"): Inventory,
    ("inventory:reorder_level", "pk"): Inventory,
    ("inventory:transfer_create", "center_pk"): DistributionCenter,
}

# Values of string parameters that name no object.
FIXED_VALUES = {
    "uidb64": "MQ",
    "token": "set-password",
    "url": "no-such-page/",
}

ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
ADMIN_MODEL_PREFIX = re.compile(r"^(?P<app_label>\w+)/(?P<model_name>\w+)/$")


@dataclasses.dataclass(frozen=True)
class Route:
    """One URL pattern of the project, with the chain of patterns that leads to it."""

    namespace: str | None
    name: str | None
    parts: tuple
    callback: object

    @property
    def route(self):
        return "".join(str(part) for part in self.parts)

    @property
    def label(self):
        if self.name:
            return f"{self.namespace}:{self.name}" if self.namespace else self.name
        return f"{self.namespace or ''}:{self.route}"

    @property
    def top_namespace(self):
        return (self.namespace or "").split(":")[0]


def iter_routes(patterns=None, parts=(), namespace=None):
    """Yield every URLPattern of the project, however deeply it is included."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from iter_routes(entry.url_patterns, (*parts, entry.pattern), inner)
        else:
            yield Route(namespace, entry.name, (*parts, entry.pattern), entry.callback)


ROUTES = list(iter_routes())


def _model_of(route, name):
    """Return the model whose primary key fills path parameter `name` of `route`."""
    if (route.label, name) in PARAM_MODELS:
        return PARAM_MODELS[(route.label, name)]
    if route.top_namespace == "admin":
        if route.name == "view_on_site":
            return Household
        for part in route.parts[1:]:
            match = ADMIN_MODEL_PREFIX.match(str(part))
            if match:
                return apps.get_model(match["app_label"], match["model_name"])
    model = getattr(getattr(route.callback, "view_class", None), "model", None)
    if model is None:
        pytest.fail(
            f"{route.label}: cannot tell which object <{name}> names; add "
            f"({route.label!r}, {name!r}): <Model> to PARAM_MODELS in {__name__}."
        )
    return model


def _param_value(route, name):
    if name in FIXED_VALUES:
        return FIXED_VALUES[name]
    if name == "content_type_id":
        return ContentType.objects.get_for_model(Household).pk
    if name == "app_label":
        return "households"
    model = _model_of(route, name)
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return "1" if pk is None else pk  # an empty admin table (axes, groups): any id


def route_path(route):
    """Return a URL that resolves to `route`, its parameters filled with real ids."""
    path = "/"
    for part in route.parts:
        if isinstance(part, RoutePattern):
            path += ROUTE_PARAM.sub(lambda m: str(_param_value(route, m["name"])), str(part))
        else:
            template, params = normalize(part.regex.pattern)[0]
            path += template % {param: _param_value(route, param) for param in params}
    match = resolve(path)
    assert match.func is route.callback, (
        f"{path} resolves to {match.view_name or match.route}, not {route.label}"
    )
    return path


def login_path_for(route):
    return reverse("admin:login") if route.top_namespace == "admin" else reverse("login")


def walked_routes():
    """The routes the walk covers: all but the skipped namespaces and the known bugs."""
    return [
        route
        for route in ROUTES
        if route.top_namespace not in SKIPPED_NAMESPACES and route.label not in KNOWN_BUGS
    ]


def anonymous_get_problem(client, route):
    """Return why an anonymous GET of `route` is not sent to login, or None if it is."""
    path = route_path(route)
    if route.label in PUBLIC_PAGES:
        status = client.get(path).status_code
        expected = PUBLIC_PAGES[route.label]
        return None if status == expected else f"{path}: public page answered {status}"
    response = client.get(path, follow=True)
    if not response.redirect_chain:
        return f"{path}: answered {response.status_code} without a login"
    final = urlsplit(response.redirect_chain[-1][0])
    if final.path != login_path_for(route) or "next=" not in final.query:
        return f"{path}: redirected to {final.path}?{final.query}, not to the login page"
    if response.status_code != 200:
        return f"{path}: the login page answered {response.status_code}"
    return None


def test_walk_finds_every_app():
    """The walk really walks: each app's pages and the admin's are among the routes."""
    labels = {route.label for route in ROUTES}
    for expected in (
        "home",
        "households:detail",
        "distribution:void",
        "inventory:restock",
        "centers:detail",
        "admin:index",
        "admin:distribution_distributionlog_changelist",
    ):
        assert expected in labels
    assert len(walked_routes()) > 50


def test_anonymous_get_of_every_url_is_sent_to_login(client, portal):
    problems = [anonymous_get_problem(client, route) for route in walked_routes()]
    assert [problem for problem in problems if problem] == []


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(
            route, id=route.label, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[label])
        )
        for route in ROUTES
        if (label := route.label) in KNOWN_BUGS
    ],
)
def test_anonymous_get_is_sent_to_login_known_bugs(client, portal, route):
    assert anonymous_get_problem(client, route) is None


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(
            route,
            id=route.label,
            marks=pytest.mark.skip(reason=SKIPPED_NAMESPACES[route.top_namespace]),
        )
        for route in ROUTES
        if route.top_namespace in SKIPPED_NAMESPACES
    ]
    or [pytest.param(None, id="none", marks=pytest.mark.skip(reason="nothing skipped"))],
)
def test_skipped_namespaces_are_listed(route):
    """Shows each route the walk leaves out, with the reason, in the test report."""


def test_no_url_fails_for_an_admin(client, portal):
    client.force_login(portal.staff["admin"].user)
    statuses = {route.label: client.get(route_path(route)).status_code for route in walked_routes()}
    assert {label: status for label, status in statuses.items() if status >= 500} == {}


# --------------------------------------------------------------------------- scoping


def test_log_shows_only_own_center_to_non_admins(client, portal):
    client.force_login(portal.staff["other_manager"].user)
    response = client.get(reverse("distribution:log"), {"center": portal.center.pk})
    assert [log.pk for log in response.context["page_obj"]] == [portal.other_log.pk]


def test_admin_log_shows_every_center(client, portal):
    client.force_login(portal.staff["admin"].user)
    response = client.get(reverse("distribution:log"))
    assert {log.pk for log in response.context["page_obj"]} == {
        portal.log.pk,
        portal.other_log.pk,
    }


@pytest.mark.parametrize("url_name", ["home", "inventory:stock"])
def test_non_admin_center_choice_is_ignored(client, portal, url_name):
    client.force_login(portal.staff["manager"].user)
    response = client.get(reverse(url_name), {"center": portal.other_center.pk})
    assert response.context["center"] == portal.center


@pytest.mark.parametrize("url_name", ["home", "inventory:stock"])
def test_admin_chooses_the_center(client, portal, url_name):
    client.force_login(portal.staff["admin"].user)
    response = client.get(reverse(url_name), {"center": portal.other_center.pk})
    assert response.context["center"] == portal.other_center


def test_package_detail_shows_only_own_center_stock_to_non_admins(client, portal):
    client.force_login(portal.staff["worker"].user)
    response = client.get(reverse("inventory:package_detail", args=[portal.package.pk]))
    assert list(response.context["stock"]) == [portal.inventory]


def test_void_control_only_for_managers_of_the_center(client, portal):
    void_url = reverse("distribution:void", args=[portal.log.pk])
    for role, shown in (("volunteer", False), ("worker", False), ("manager", True)):
        client.force_login(portal.staff[role].user)
        assert (void_url in client.get(reverse("distribution:log")).content.decode()) is shown


def test_restock_control_only_for_managers_of_the_center(client, portal):
    restock_url = reverse("inventory:restock", args=[portal.center.pk])
    for role, shown in (("volunteer", False), ("worker", False), ("manager", True)):
        client.force_login(portal.staff[role].user)
        assert (restock_url in client.get(reverse("inventory:stock")).content.decode()) is shown


# ------------------------------------------------------------------- login and roles


def login_post(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_active_staff_logs_in_through_the_form(client, worker):
    response = login_post(client, "worker")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("status", [StaffMember.Status.INACTIVE, StaffMember.Status.ON_LEAVE])
def test_staff_not_active_cannot_log_in(client, worker, status):
    worker.status = status
    worker.save()

    response = login_post(client, "worker")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_login_locks_out_at_the_fifth_failure(client, worker):
    for _ in range(4):
        response = login_post(client, "worker", "wrong-password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()

    fifth = login_post(client, "worker", "wrong-password")
    after = login_post(client, "worker")  # even the right password

    for response in (fifth, after):
        assert response.status_code == 429
        assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username(client, worker, manager):
    for _ in range(5):
        login_post(client, "worker", "wrong-password")
    assert login_post(client, "manager").status_code == 302


def test_demoted_manager_loses_restock_at_next_request(client, portal):
    manager = portal.staff["manager"]
    client.force_login(manager.user)
    url = reverse("inventory:restock", args=[portal.center.pk])
    assert client.get(url).status_code == 200

    manager.role = StaffMember.Role.VOLUNTEER
    manager.save()

    assert client.get(url).status_code == 403
    before = portal.inventory.quantity_on_hand
    response = client.post(url, {"package": portal.package.pk, "quantity": 5})
    assert response.status_code == 403
    portal.inventory.refresh_from_db()
    assert portal.inventory.quantity_on_hand == before


def test_promoted_worker_gains_void_at_next_request(client, portal):
    worker = portal.staff["worker"]
    client.force_login(worker.user)
    url = reverse("distribution:void", args=[portal.log.pk])
    assert client.get(url).status_code == 403

    worker.role = StaffMember.Role.MANAGER
    worker.save()

    assert client.get(url).status_code == 200


def test_moved_manager_acts_only_at_new_center(client, portal):
    manager = portal.staff["manager"]
    client.force_login(manager.user)
    manager.center = portal.other_center
    manager.save()

    assert client.get(reverse("inventory:restock", args=[portal.center.pk])).status_code == 403
    other_restock = reverse("inventory:restock", args=[portal.other_center.pk])
    assert client.get(other_restock).status_code == 200


def test_user_without_staff_record_is_signed_out(client, portal, django_user_model):
    user = django_user_model.objects.create_user("stranger", password=PASSWORD)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("login")
