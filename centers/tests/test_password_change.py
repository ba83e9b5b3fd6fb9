"""A wrong old password at the password change counts as a failed sign-in.

Someone at a signed-in device left unattended must not get unlimited guesses at the
password: the same limit and per-account lockout as the sign-in apply, across both,
on the portal's form and on Django admin's. At the limit the change is refused with
the lockout page and the session is signed out.
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a new long passphrase"
LIMIT = settings.AXES_FAILURE_LIMIT
FORMS = ["password_change", "admin:password_change"]


def change(client, old_password, url_name="password_change"):
    return client.post(
        reverse(url_name),
        {
            "old_password": old_password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )


def login(client, username="manager", password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def signed_in(client):
    return "_auth_user_id" in client.session


def password_is_unchanged(staff):
    staff.user.refresh_from_db()
    return staff.user.check_password(PASSWORD)


@pytest.mark.parametrize("url_name", FORMS)
def test_the_fifth_wrong_old_password_locks_the_account_and_signs_out(client, manager, url_name):
    client.force_login(manager.user)
    for _ in range(LIMIT - 1):
        response = change(client, "wrong-guess", url_name)
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
        assert signed_in(client)

    response = change(client, "wrong-guess", url_name)

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert not signed_in(client)
    assert client.get(reverse("home")).status_code == 302  # to the sign-in page
    assert login(client).status_code == 429  # the same lockout: not even with the password
    assert password_is_unchanged(manager)


def test_sign_in_failures_and_old_password_failures_count_together(client, manager):
    for _ in range(LIMIT - 2):
        login(client, "Manager", "wrong-guess")
    client.force_login(manager.user)
    assert change(client, "wrong-guess").status_code == 200

    assert change(client, "wrong-guess").status_code == 429
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["manager"]


@pytest.mark.parametrize("url_name", FORMS)
def test_a_locked_account_cannot_change_its_password_even_with_the_right_one(
    client, manager, url_name
):
    for _ in range(LIMIT):
        login(client, "manager", "wrong-guess")
    client.force_login(manager.user)

    response = change(client, PASSWORD, url_name)

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert not signed_in(client)
    assert password_is_unchanged(manager)


def test_the_lockout_is_per_account(client, manager, worker):
    client.force_login(manager.user)
    for _ in range(LIMIT):
        change(client, "wrong-guess")

    assert login(client, "worker").status_code == 302


def test_the_right_old_password_still_changes_it_and_clears_the_failures(client, manager):
    client.force_login(manager.user)
    for _ in range(LIMIT - 1):
        change(client, "wrong-guess")

    response = change(client, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    manager.user.refresh_from_db()
    assert manager.user.check_password(NEW_PASSWORD)
    assert signed_in(client)
    assert AccessAttempt.objects.count() == 0  # as a sign-in with the password clears them


def test_no_password_typed_into_the_form_is_kept_by_the_lockout(client, manager):
    client.force_login(manager.user)
    change(client, "wrong-guess-42")

    kept = AccessAttempt.objects.get().post_data
    assert "wrong-guess-42" not in kept
    assert NEW_PASSWORD not in kept
    assert "old_password=********************" in kept
