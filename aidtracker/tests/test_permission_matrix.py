"""The permission matrix: for every portal page (GET) and form (POST), each role's outcome.

`MATRIX` says, for each role, what a GET of each page or a POST of each form must
answer; one parametrized test per cell checks it, and a refused POST must leave stock,
logs, movements, households, cards and packages untouched. The URL walk of
test_access.py finds every page, and a test here fails until a new one has its row.
"""

import io
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from aidtracker.tests.test_access import KNOWN_BUGS, PUBLIC_PAGES, ROUTES, SKIPPED_NAMESPACES
from distribution import tokens
from distribution.services import serve_household
from households import import_jobs
from households.models import Household, HouseholdMember, PossibleDuplicate
from households.tests.factories import HouseholdFactory
from inventory.services import dispatch_transfer

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "volunteer", "worker", "manager", "admin", "other_manager")
L = LOGIN = "login"  # redirected to the portal's login page
A = ADMIN_LOGIN = "admin login"  # redirected to the admin's login page
DONE = 302  # the action happened and the page redirected (not to a login page)

# fmt: off
MATRIX = {
    # (method, page)                           anon    volunt. worker  manager admin   manager of
    #                                                                                  other center
    ("GET", "home"):                          (L,      200,    200,    200,    200,    200),
    ("GET", "system_status"):                 (L,      403,    403,    403,    200,    403),
    ("GET", "reports:index"):                 (L,      403,    403,    200,    200,    200),
    ("GET", "reports:monthly"):               (L,      403,    403,    200,    200,    200),
    ("GET", "reports:monthly_people"):        (L,      403,    403,    200,    200,    200),
    ("GET", "reports:stock"):                 (L,      403,    403,    200,    200,    200),
    ("GET", "reports:coverage"):              (L,      403,    403,    200,    200,    200),
    ("GET", "reports:owed"):                  (L,      403,    403,    200,    200,    200),
    ("GET", "households:list"):               (L,      200,    200,    200,    200,    200),
    ("GET", "reports:subject_access"):        (L,      403,    403,    200,    200,    200),
    ("GET", "households:create"):             (L,      403,    200,    200,    200,    200),
    ("GET", "households:detail"):             (L,      200,    200,    200,    200,    200),
    ("GET", "households:edit"):               (L,      403,    200,    200,    200,    200),
    ("GET", "households:status"):             (L,      403,    403,    405,    405,    405),
    ("GET", "households:card"):               (L,      403,    200,    200,    200,    200),
    ("GET", "households:issue_card"):         (L,      403,    405,    405,    405,    405),
    ("GET", "households:card_sheet"):         (L,      403,    200,    200,    200,    200),
    ("GET", "households:member_add"):         (L,      403,    200,    200,    200,    200),
    ("GET", "households:member_edit"):        (L,      403,    200,    200,    200,    200),
    ("GET", "households:member_remove"):      (L,      403,    405,    405,    405,    405),
    ("GET", "households:alternates"):         (L,      403,    200,    200,    200,    200),
    ("GET", "households:duplicates"):         (L,      403,    403,    200,    200,    200),
    ("GET", "households:duplicate_confirm"):  (L,      403,    403,    405,    405,    405),
    ("GET", "households:duplicate_dismiss"):  (L,      403,    403,    405,    405,    405),
    ("GET", "distribution:scan"):             (L,      DONE,   DONE,   DONE,   DONE,   DONE),
    ("GET", "distribution:visit"):            (L,      200,    200,    200,    200,    200),
    ("GET", "distribution:visit_receipt"):    (L,      200,    200,    200,    200,    404),
    ("GET", "distribution:new"):              (L,      200,    200,    200,    200,    200),
    ("GET", "distribution:household_picker"): (L,      200,    200,    200,    200,    200),
    ("GET", "distribution:check"):            (L,      200,    200,    200,    200,    200),
    ("GET", "distribution:log"):              (L,      200,    200,    200,    200,    200),
    ("GET", "distribution:receipt"):          (L,      200,    200,    200,    200,    404),
    ("GET", "distribution:void"):             (L,      403,    403,    200,    200,    403),
    ("GET", "inventory:stock"):               (L,      200,    200,    200,    200,    200),
    ("GET", "inventory:restock"):             (L,      403,    403,    200,    200,    403),
    ("GET", "inventory:adjust"):              (L,      403,    403,    200,    200,    403),
    ("GET", "inventory:reorder_level"):       (L,      403,    403,    200,    200,    403),
    ("GET", "inventory:packages"):            (L,      200,    200,    200,    200,    200),
    ("GET", "inventory:package_detail"):      (L,      200,    200,    200,    200,    200),
    ("GET", "inventory:package_create"):      (L,      403,    403,    403,    200,    403),
    ("GET", "inventory:package_edit"):        (L,      403,    403,    403,    200,    403),
    ("GET", "centers:list"):                  (L,      200,    200,    200,    200,    200),
    ("GET", "centers:detail"):                (L,      200,    200,    200,    200,    200),
    ("GET", "password_change"):               (L,      200,    200,    200,    200,    200),
    ("GET", "password_change_done"):          (L,      200,    200,    200,    200,    200),
    ("GET", "admin:index"):                   (A,      A,      A,      200,    200,    200),
    ("GET", "admin:distribution_distributionlog_changelist"):
                                              (A,      A,      A,      200,    200,    200),
    ("GET", "admin:inventory_stockmovement_add"):
                                              (A,      A,      A,      403,    403,    403),
    ("POST", "households:create"):            (L,      403,    DONE,   DONE,   DONE,   DONE),
    ("POST", "households:edit"):              (L,      403,    DONE,   DONE,   DONE,   DONE),
    ("POST", "households:status"):            (L,      403,    403,    DONE,   DONE,   DONE),
    ("POST", "households:issue_card"):        (L,      403,    DONE,   DONE,   DONE,   DONE),
    ("POST", "households:card_sheet"):        (L,      403,    DONE,   DONE,   DONE,   DONE),
    ("POST", "households:member_add"):        (L,      403,    DONE,   DONE,   DONE,   DONE),
    ("POST", "households:member_edit"):       (L,      403,    DONE,   DONE,   DONE,   DONE),
    ("POST", "households:member_remove"):     (L,      403,    DONE,   DONE,   DONE,   DONE),
    ("POST", "households:alternates"):        (L,      403,    DONE,   DONE,   DONE,   DONE),
    ("POST", "households:duplicate_confirm"): (L,      403,    403,    DONE,   DONE,   DONE),
    ("POST", "households:duplicate_dismiss"): (L,      403,    403,    DONE,   DONE,   DONE),
    ("POST", "distribution:visit"):           (L,      DONE,   DONE,   DONE,   DONE,   DONE),
    ("POST", "distribution:new"):             (L,      DONE,   DONE,   DONE,   DONE,   DONE),
    ("POST", "distribution:void"):            (L,      403,    403,    DONE,   DONE,   403),
    ("POST", "inventory:restock"):            (L,      403,    403,    DONE,   DONE,   403),
    ("POST", "inventory:adjust"):             (L,      403,    403,    DONE,   DONE,   403),
    ("POST", "inventory:reorder_level"):      (L,      403,    403,    DONE,   DONE,   403),
    ("POST", "inventory:package_create"):     (L,      403,    403,    403,    DONE,   403),
    ("POST", "inventory:package_edit"):       (L,      403,    403,    403,    DONE,   403),
    # Transfers and the stock movement report. The manager of the other center is the
    # receiving end of the transfer the pages are about, so it sees it; receiving is
    # tried on a transfer sent the other way.
    ("GET", "inventory:transfers"):           (L,      200,    200,    200,    200,    200),
    ("GET", "reports:movements"):             (L,      403,    403,    200,    200,    200),
    ("GET", "inventory:transfer_create"):     (L,      403,    403,    200,    200,    403),
    ("GET", "inventory:transfer_detail"):     (L,      200,    200,    200,    200,    200),
    ("GET", "inventory:transfer_waybill"):    (L,      200,    200,    200,    200,    200),
    ("GET", "inventory:transfer_receive"):    (L,      403,    403,    405,    405,    403),
    ("GET", "inventory:transfer_cancel"):     (L,      403,    403,    405,    405,    403),
    ("POST", "inventory:transfer_create"):    (L,      403,    403,    DONE,   DONE,   403),
    ("POST", "inventory:transfer_receive"):   (L,      403,    403,    DONE,   DONE,   403),
    ("POST", "inventory:transfer_cancel"):    (L,      403,    403,    DONE,   DONE,   403),
    # Bulk registration: managers and admins of the center that uploaded the file.
    ("GET", "households:imports"):            (L,      403,    403,    200,    200,    200),
    ("GET", "households:import_detail"):      (L,      403,    403,    200,    200,    404),
    ("GET", "households:import_progress"):    (L,      403,    403,    200,    200,    404),
    ("GET", "households:import_report"):      (L,      403,    403,    200,    200,    404),
    ("GET", "households:import_confirm"):     (L,      403,    403,    405,    405,    405),
    ("GET", "households:import_cancel"):      (L,      403,    403,    405,    405,    405),
    ("GET", "households:import_resume"):      (L,      403,    403,    405,    405,    405),
    ("POST", "households:imports"):           (L,      403,    403,    DONE,   DONE,   DONE),
    ("POST", "households:import_confirm"):    (L,      403,    403,    DONE,   DONE,   404),
    ("POST", "households:import_cancel"):     (L,      403,    403,    DONE,   DONE,   404),
    ("POST", "households:import_resume"):     (L,      403,    403,    DONE,   DONE,   404),
}
# fmt: on

# The object each page is about; all of them belong to the signed-in staff's own center
# (so "other_manager" is a manager asking about another center's things).
TARGETS = {
    "households:detail": lambda w: {"pk": w.household.pk},
    "reports:subject_access": lambda w: {"pk": w.household.pk},
    "households:edit": lambda w: {"pk": w.household.pk},
    "households:status": lambda w: {"pk": w.household.pk},
    "households:card": lambda w: {"pk": w.household.pk},
    "households:issue_card": lambda w: {"pk": w.household.pk},
    "households:member_add": lambda w: {"pk": w.household.pk},
    "households:member_edit": lambda w: {"pk": portal_member(w).pk},
    "households:member_remove": lambda w: {"pk": portal_member(w).pk},
    "households:alternates": lambda w: {"pk": w.household.pk},
    "households:duplicate_confirm": lambda w: {"pk": portal_pair(w).pk},
    "households:duplicate_dismiss": lambda w: {"pk": portal_pair(w).pk},
    "distribution:visit": lambda w: {"household": w.household.pk},
    "distribution:visit_receipt": lambda w: {"pk": portal_visit(w).pk},
    "distribution:receipt": lambda w: {"pk": w.log.pk},
    "distribution:void": lambda w: {"pk": w.log.pk},
    "inventory:restock": lambda w: {"center_pk": w.center.pk},
    "inventory:adjust": lambda w: {"pk": w.inventory.pk},
    "inventory:reorder_level": lambda w: {"pk": w.inventory.pk},
    "inventory:package_detail": lambda w: {"pk": w.package.pk},
    "inventory:package_edit": lambda w: {"pk": w.package.pk},
    "centers:detail": lambda w: {"pk": w.center.pk},
    "inventory:transfer_create": lambda w: {"center_pk": w.center.pk},
    "inventory:transfer_detail": lambda w: {"pk": portal_transfer(w).pk},
    "inventory:transfer_waybill": lambda w: {"pk": portal_transfer(w).pk},
    "inventory:transfer_cancel": lambda w: {"pk": portal_transfer(w).pk},
    "inventory:transfer_receive": lambda w: {"pk": portal_transfer(w, incoming=True).pk},
    "households:import_detail": lambda w: {"pk": portal_import(w).pk},
    "households:import_progress": lambda w: {"pk": portal_import(w).pk},
    "households:import_report": lambda w: {"pk": portal_import(w).pk},
    "households:import_confirm": lambda w: {"pk": portal_import(w).pk},
    "households:import_cancel": lambda w: {"pk": portal_import(w, "checking").pk},
    "households:import_resume": lambda w: {"pk": portal_import(w, "cancelled").pk},
}

QUERIES = {
    "distribution:household_picker": lambda w: {"household_query": "Okafor"},
    "distribution:check": lambda w: {"household": w.household.pk, "package": w.package.pk},
    "distribution:scan": lambda w: {"code": "ZZZZ-ZZZZ-ZZZZ"},
    "households:card_sheet": lambda w: {"ids": f"{w.household.pk},{w.served.pk}"},
}


def portal_member(world):
    """A member of the world's household (the member pages' object)."""
    return HouseholdMember.objects.create(
        household=world.household,
        full_name="Chidi Okafor",
        sex="male",
        relationship_to_head="child",
    )


def portal_pair(world):
    """A possible duplicate of the world's household (the review queue's object).

    Households are shared by every center, so a manager of another center reviews it
    too.
    """
    twin = HouseholdFactory(
        family_name="Okafor", primary_contact_name="Ngozi Okafor", phone_number="+1 773 555 0142"
    )
    return PossibleDuplicate.objects.create(
        household_a=world.household, household_b=twin, score=100, evidence="same family name"
    )


def portal_transfer(world, incoming=False):
    """Three food baskets in transit from the world's center (or to it, if `incoming`)."""
    centers = (world.center, world.other_center)
    source, destination = reversed(centers) if incoming else centers
    return dispatch_transfer(
        source=source,
        destination=destination,
        package=world.package,
        quantity=3,
        staff=world.staff["admin"],
    )


def portal_import(world, state="checked"):
    """A file of one new household uploaded by the world's manager: checked (ready to
    import), still being checked, or cancelled while being checked."""
    manager = world.staff["manager"]
    job = import_jobs.start_import(file_name="partner.csv", data=import_file(), staff=manager)
    if state == "checked":
        import_jobs.run_check(job.pk, job.attempt)
    elif state == "cancelled":
        job = import_jobs.cancel_import(job=job, staff=manager)
    return job


def import_file():
    data = household_form_data(phone_number="+1 312 555 0177")
    return (",".join(data) + "\n" + ",".join(data.values()) + "\n").encode()


def upload_form_data(world, client):
    upload = io.BytesIO(import_file())
    upload.name = "partner.csv"
    return {"file": upload}


def member_form_data(world, client):
    return {"full_name": "Ada Okafor", "sex": "female", "relationship_to_head": "spouse"}


def portal_visit(world):
    """A visit served at the world's own center (the receipt page's object)."""
    return serve_household(
        household=world.served,
        center=world.center,
        staff=world.staff["worker"],
        lines=[(world.other_package, 1)],
    )


def visit_form_data(world, client):
    """Valid POST data of the visit form: one unit of the food basket."""
    pk = world.package.pk
    return {
        "token": form_token(client),
        "center": world.center.pk,  # admins choose the center; everyone else's is ignored
        f"take_{pk}": "on",
        f"quantity_{pk}": 1,
        f"due_{pk}": 1,
        "collected_by": "",
    }


def household_form_data(**changes):
    """Valid POST data of the household form."""
    return {
        "family_name": "Mensah",
        "primary_contact_name": "Akua Mensah",
        "phone_number": "+1 312 555 0199",
        "email": "",
        "address": "4 Harbour Road",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62701",
        "family_size": "5",
        "income_level": "very_low",
        "priority_level": "high",
        "registration_date": "2025-02-01",
        "last_verified_date": "",
        "notes": "",
        "processing_basis": "consent",
        "consent_given_by": "Akua Mensah (head of household)",
        "basis_recorded_on": "",
        **changes,
    }


def package_form_data(**changes):
    """Valid POST data of the package form: one unit per 3 persons, at most 4."""
    return {
        "package_name": "Food basket",
        "category": "food",
        "description": "",
        "unit_weight_kg": "18.50",
        "estimated_cost": "65.00",
        "validity_period_days": "30",
        "units_per_household": "1",
        "persons_per_unit": "3",
        "max_units": "4",
        "is_active": "on",
        **changes,
    }


def form_token(client):
    """Issue a distribution form token in the client's session, as the form's GET does."""
    session = client.session
    token = tokens.issue_token(session)
    session.save()
    return token


POST_DATA = {
    "households:create": lambda w, client: household_form_data(),
    "households:edit": lambda w, client: household_form_data(
        family_name="Okafor-Eze", phone_number=w.household.phone_number
    ),
    "households:status": lambda w, client: {"status": Household.Status.SUSPENDED},
    "distribution:new": lambda w, client: {
        "household": w.household.pk,
        "package": w.package.pk,
        "quantity": 1,
        "center": w.center.pk,  # admins choose the center; everyone else's is ignored
        "token": form_token(client),
    },
    "distribution:void": lambda w, client: {"reason": "Entered twice by mistake"},
    "distribution:visit": visit_form_data,
    "households:issue_card": lambda w, client: {},
    "households:member_add": member_form_data,
    "households:member_edit": member_form_data,
    "households:member_remove": lambda w, client: {},
    "households:alternates": lambda w, client: {"first": "Musa Danjuma", "second": ""},
    "households:duplicate_confirm": lambda w, client: {},
    "households:duplicate_dismiss": lambda w, client: {},
    "households:card_sheet": lambda w, client: {"ids": f"{w.household.pk},{w.served.pk}"},
    "inventory:restock": lambda w, client: {"package": w.package.pk, "quantity": 7, "notes": ""},
    "inventory:adjust": lambda w, client: {"delta": -2, "reason": "damaged", "notes": ""},
    "inventory:reorder_level": lambda w, client: {"reorder_level": 3},
    "inventory:package_create": lambda w, client: package_form_data(package_name="Tarpaulin"),
    "inventory:package_edit": lambda w, client: package_form_data(persons_per_unit=""),
    "inventory:transfer_create": lambda w, client: {
        "destination": w.other_center.pk,
        "package": w.package.pk,
        "quantity": 2,
        "notes": "",
    },
    "inventory:transfer_receive": lambda w, client: {
        "quantity_received": 3,
        "loss_reason": "",
        "notes": "",
    },
    "inventory:transfer_cancel": lambda w, client: {},
    "households:imports": upload_form_data,
    "households:import_confirm": lambda w, client: {},
    "households:import_cancel": lambda w, client: {},
    "households:import_resume": lambda w, client: {},
}


def sign_in(client, world, role):
    if role != "anonymous":
        client.force_login(world.staff[role].user)


def assert_outcome(response, expected):
    location = urlsplit(response.get("Location", "")).path
    if expected in (LOGIN, ADMIN_LOGIN):
        assert response.status_code == 302
        assert location == reverse("admin:login" if expected == ADMIN_LOGIN else "login")
    elif expected == DONE:
        assert response.status_code == 302
        assert location not in (reverse("login"), reverse("admin:login"))
    else:
        assert response.status_code == expected


MATRIX_CASES = [
    pytest.param(method, page, role, expected, id=f"{method} {page} as {role}")
    for (method, page), row in MATRIX.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.mark.parametrize(("method", "url_name", "role", "expected"), MATRIX_CASES)
def test_permission_matrix(client, portal, db_state, method, url_name, role, expected):
    sign_in(client, portal, role)
    url = reverse(url_name, kwargs=TARGETS.get(url_name, lambda w: {})(portal))

    if method == "GET":
        response = client.get(url, QUERIES.get(url_name, lambda w: {})(portal))
        assert_outcome(response, expected)
        return

    data = POST_DATA[url_name](portal, client)
    before = db_state()
    response = client.post(url, data)
    assert_outcome(response, expected)
    if expected == DONE:
        assert db_state() != before, "the page said done but nothing changed"
    else:
        assert db_state() == before, "a refused POST changed the database"


def test_matrix_covers_every_portal_page_and_form():
    """A new page must get its row in MATRIX (admin and login pages are walked above)."""
    portal_pages = {
        route.label
        for route in ROUTES
        if route.name
        and route.top_namespace not in {"admin", *SKIPPED_NAMESPACES}
        and route.label not in PUBLIC_PAGES
        and route.label not in KNOWN_BUGS
    }
    assert portal_pages - {page for _, page in MATRIX} == set()
    forms = {"inventory:restock", "inventory:adjust", "inventory:reorder_level"}
    forms |= {"distribution:void", "distribution:new"}
    forms |= {"households:create", "households:edit", "households:status"}
    assert forms <= {page for method, page in MATRIX if method == "POST"}
