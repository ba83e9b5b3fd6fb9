"""Sign-in failures count per account, however its username is cased or accented.

MariaDB's utf8mb4_unicode_ci compares `Manager` and `MÄNAGER` equal to `manager`,
SQLite compares them exactly. On both databases only the account's own spelling
signs in, and the failures of every spelling count against the one account.
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from centers import backends
from centers.models import StaffMember
from centers.tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SPELLINGS = ["Manager", "manager", "MÄNAGER", "Manager", "manager"]


def login(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_failures_of_every_spelling_lock_the_one_account(client, manager):
    assert len(SPELLINGS) == settings.AXES_FAILURE_LIMIT
    statuses = [login(client, spelling, "wrong-password").status_code for spelling in SPELLINGS]

    assert statuses == [200, 200, 200, 200, 429]  # locked at the fifth failure
    assert login(client, "manager").status_code == 429  # even with the password
    assert "_auth_user_id" not in client.session
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        ("manager", settings.AXES_FAILURE_LIMIT + 1)
    ]


def test_the_admin_login_counts_the_same_way(client, manager):
    for spelling in SPELLINGS:
        client.post(reverse("admin:login"), {"username": spelling, "password": "wrong"})

    assert login(client, "MANAGER").status_code == 429
    assert login(client, "manager").status_code == 429


@pytest.mark.parametrize("spelling", ["Manager", "MANAGER", "MÄNAGER"])
def test_only_the_accounts_own_spelling_signs_in(client, manager, spelling):
    response = login(client, spelling)

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert login(client, "manager").status_code == 302


def test_a_failure_with_another_spelling_counts_but_the_right_one_still_signs_in(client, manager):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "MÄNAGER")

    assert login(client, "manager").status_code == 302  # and resets the count
    assert AccessAttempt.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Amara", "Amara"),
        ("amara", "Amara"),
        ("AMARA", "Amara"),
        ("Ámara", "Amara"),
        ("ÀMÂRÄ", "Amara"),
        ("nobody", "nobody"),  # no account: counted as typed
        ("x" * 300, "x" * 150),  # never longer than a username can be
        ("", ""),
    ],
)
def test_lockout_username_is_the_accounts_own(typed, expected):
    StaffMemberFactory(role=StaffMember.Role.WORKER, user__username="Amara")
    request = RequestFactory().post("/accounts/login/", {"username": typed})

    assert backends.lockout_username(request, {"username": typed}) == expected
    assert backends.lockout_username(request, None) == expected  # read from the form


def test_the_exact_spelling_wins_when_two_accounts_fold_alike():
    """SQLite lets `jose` and `José` both exist (MariaDB's unique index does not)."""
    if connection.vendor == "mysql":
        pytest.skip("MariaDB's unique index refuses a second spelling of one username")
    for name in ("jose", "José"):
        StaffMemberFactory(role=StaffMember.Role.WORKER, user__username=name)
    request = RequestFactory().post("/accounts/login/")

    assert backends.lockout_username(request, {"username": "jose"}) == "jose"
    assert backends.lockout_username(request, {"username": "José"}) == "José"


def test_fold_drops_case_and_accents():
    assert backends.fold("MÄNAGER") == backends.fold("Manager") == "manager"
    assert backends.fold("Straße") == "strasse"
