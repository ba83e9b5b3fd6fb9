"""Shared field devices: sessions last a working day, and no page is kept in a cache.

* Every page the portal and Django admin render, as each role sees it (a 200, a 403,
  a redirect), is sent with `Cache-Control: no-store` (and `private`, unless the
  view chose its own Cache-Control): the back button or the browser's cache must not
  show the next person a household's details after a sign-out.
* Static files keep WhiteNoise's caching.
* A session ends after SESSION_COOKIE_AGE (default 10 hours) and, unless turned off,
  when the browser closes.
"""

import os

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from aidtracker.tests.test_access import route_path, walked_routes
from aidtracker.tests.test_settings import run

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
WORKING_DAY = 10 * 60 * 60


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize("role", ["admin", "manager", "volunteer"])
def test_no_page_a_signed_in_user_opens_may_be_stored(client, portal, role):
    client.force_login(portal.staff[role].user)
    answered, stored = set(), {}
    for route in walked_routes():
        response = client.get(route_path(route))
        answered.add(response.status_code)
        if "no-store" not in cache_control(response):
            stored[route.label] = response.get("Cache-Control")
    assert stored == {}
    assert 200 in answered


def test_a_view_without_its_own_cache_control_gets_no_store_and_private(client, portal):
    client.force_login(portal.staff["worker"].user)

    for url in (reverse("home"), reverse("households:detail", args=[portal.household.pk])):
        assert cache_control(client.get(url)) == {"no-store", "private"}


def test_pages_without_a_sign_in_are_not_stored_either(client, worker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = client.post(reverse("login"), {"username": "worker", "password": "wrong"})
    assert locked.status_code == 429
    for response in (client.get(reverse("login")), client.get("/no-such-page/"), locked):
        assert "no-store" in cache_control(response)


def test_a_views_own_cache_control_is_kept(client, portal):
    client.force_login(portal.staff["admin"].user)

    assert "must-revalidate" in cache_control(client.get(reverse("healthz")))  # never_cache


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_their_caching():
    response = Client().get(f"{settings.STATIC_URL}vendor/bootstrap/css/bootstrap.min.css")

    assert response.status_code == 200
    assert "no-store" not in cache_control(response)
    assert any(part.startswith("max-age=") for part in cache_control(response))


# ------------------------------------------------------------------ session lifetime


def test_a_session_lasts_a_working_day_and_ends_with_the_browser(client, worker):
    assert settings.SESSION_COOKIE_AGE == WORKING_DAY
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True

    response = client.post(reverse("login"), {"username": "worker", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session.get_expiry_age() == WORKING_DAY
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""  # a browser-session cookie
    assert cookie["expires"] == ""


@override_settings(SESSION_EXPIRE_AT_BROWSER_CLOSE=False)
def test_without_browser_close_the_cookie_lasts_the_session_age(client, worker):
    response = client.post(reverse("login"), {"username": "worker", "password": PASSWORD})

    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == WORKING_DAY


def settings_in_child(**env):
    code = (
        "from django.conf import settings; "
        "print(settings.SESSION_COOKIE_AGE, settings.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "aidtracker.settings.base", **env}
    return run(["-c", code], environment)


def test_the_session_settings_come_from_the_environment():
    result = settings_in_child(SESSION_COOKIE_AGE="3600", SESSION_EXPIRE_AT_BROWSER_CLOSE="false")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3600", "False"]


@pytest.mark.parametrize("age", ["0", "-5"])
def test_a_session_age_below_one_second_is_refused_with_a_clear_message(age):
    result = settings_in_child(SESSION_COOKIE_AGE=age)

    assert result.returncode != 0
    assert "SESSION_COOKIE_AGE must be a number of seconds above 0" in result.stderr
