"""How many queries the distribution pages cost, whatever the number of packages and centers.

The load target (docs/ARCHITECTURE.md: a distribution form POST through gunicorn, p95 under
100 ms at 16 clients) is CPU-bound on the machines it is measured on, so every query
and every session write per request counts. These tests pin them, on SQLite and on
MariaDB alike. SAVEPOINT/RELEASE statements (the test's own transaction, and
`transaction.atomic` inside it) are left out of the counts: they are the same
transactions on both databases outside tests.

What the view itself costs is pinned exactly; the distribution service's own
statements (distribution/services.py, under its own tests and benchmark) are counted
apart and only held to the "at most 6 queries per distribution, and the lot step" target
(docs/ARCHITECTURE.md).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from centers.tests.factories import DistributionCenterFactory
from distribution import views
from distribution.models import DistributionLog
from households.tests.factories import HouseholdFactory
from inventory.tests.factories import AidPackageFactory

pytestmark = pytest.mark.django_db

FORM = reverse("distribution:new")

# Session row; user joined with staff record and center (centers.backends.ActiveStaffBackend).
PER_REQUEST = 2
# + the active packages of the <select> (+ the active centers for admins). No session write.
FORM_GET = PER_REQUEST + 1
ADMIN_FORM_GET = FORM_GET + 1
# + household, package; then the service, which spends the form token in its own
# transaction (no session write).
POST_OUTSIDE_SERVICE = PER_REQUEST + 2
# A refusal shows the form again: + the packages of the <select>, nothing else.
REFUSED_POST_OUTSIDE_SERVICE = POST_OUTSIDE_SERVICE + 1
RECEIPT_GET = PER_REQUEST + 1  # + the log row with its household, package, center, staff
# docs/ARCHITECTURE.md, "Targets": 6, and the lot step under the inventory row's lock
# (read the unexpired lots, take from the one that expires first, record the take).
SERVICE_AT_MOST = 6 + 3


def statements(captured):
    """The SQL sent, without the savepoints of transaction.atomic."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO"))
    ]


def writes_session(sql):
    return any(s.upper().startswith(("UPDATE", "INSERT")) and "django_session" in s for s in sql)


@pytest.fixture
def more_packages_and_centers(portal):
    """What must not change the counts: many more active packages and centers."""

    def add(packages=40, centers=15):
        for number in range(packages):
            AidPackageFactory(package_name=f"Extra package {number}")
        for number in range(centers):
            DistributionCenterFactory(center_name=f"Extra center {number}")

    return add


@pytest.fixture
def service_queries(monkeypatch):
    """Count the statements sent inside distribute_package, per call."""
    calls = []
    real = views.distribute_package

    def counted(**kwargs):
        with CaptureQueriesContext(connection) as captured:
            try:
                return real(**kwargs)
            finally:
                calls.append(len(statements(captured)))

    monkeypatch.setattr(views, "distribute_package", counted)
    return calls


def form_page(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(FORM)
    assert response.status_code == 200
    return response, statements(captured)


def submission(page, household, package, **more):
    """What the form page's submit sends: its fields and its one-time token."""
    token = page.context["form"]["token"].value()
    return {"household": household.pk, "package": package.pk, "quantity": 1, "token": token, **more}


def post(client, data):
    with CaptureQueriesContext(connection) as captured:
        response = client.post(FORM, data)
    return response, statements(captured)


@pytest.mark.parametrize("more", [False, True], ids=["as-is", "40-packages-15-centers-more"])
@pytest.mark.parametrize("role", ["volunteer", "worker", "manager", "admin"])
def test_form_page_queries_are_constant_and_write_no_session(
    client, portal, more_packages_and_centers, role, more
):
    if more:
        more_packages_and_centers()
    client.force_login(portal.staff[role].user)
    response, sql = form_page(client)
    assert len(sql) == (ADMIN_FORM_GET if role == "admin" else FORM_GET), sql
    assert not writes_session(sql)
    assert response.context["form"]["token"].value()


@pytest.mark.parametrize("more", [False, True], ids=["as-is", "40-packages-15-centers-more"])
def test_distribution_post_queries_are_constant(
    client, portal, more_packages_and_centers, service_queries, more
):
    if more:
        more_packages_and_centers()
    client.force_login(portal.staff["worker"].user)
    page, _ = form_page(client)
    data = submission(page, portal.household, portal.package)

    response, sql = post(client, data)

    assert response.status_code == 302
    assert DistributionLog.objects.filter(pk=int(response["Location"].split("/")[-2])).exists()
    (service,) = service_queries
    assert service <= SERVICE_AT_MOST
    assert len(sql) - service == POST_OUTSIDE_SERVICE, sql
    assert not writes_session(sql)  # the token is spent with the audit row, in the service

    with CaptureQueriesContext(connection) as captured:
        receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    assert len(statements(captured)) == RECEIPT_GET, statements(captured)


@pytest.mark.parametrize("more", [False, True], ids=["as-is", "40-packages-15-centers-more"])
def test_refused_post_queries_are_constant(
    client, portal, more_packages_and_centers, service_queries, more
):
    if more:
        more_packages_and_centers()
    client.force_login(portal.staff["worker"].user)
    page, _ = form_page(client)
    # Already served this package: not_eligible.
    data = submission(page, portal.served, portal.package)

    response, sql = post(client, data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    (service,) = service_queries
    assert len(sql) - service == REFUSED_POST_OUTSIDE_SERVICE, sql


def test_admin_post_reads_the_chosen_center_once(client, portal, service_queries):
    client.force_login(portal.staff["admin"].user)
    page, _ = form_page(client)
    data = submission(page, HouseholdFactory(), portal.package, center=portal.other_center.pk)
    response, sql = post(client, data)
    assert response.status_code == 302
    (service,) = service_queries
    assert len(sql) - service == POST_OUTSIDE_SERVICE + 1, sql  # + the center
