"""The sign-in lockout counts per client address, past the proxies the operator trusts.

Behind a reverse proxy every request comes from the proxy's address. With
TRUSTED_PROXY_COUNT = 0 (the default) X-Forwarded-For is never read, so a client
cannot pick the address it is counted under; with N proxies the N-th address from
the right is the client's, and whatever a client puts before it is ignored.
"""

import os

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from aidtracker.tests.test_settings import run
from core.client_address import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.2"
ALICE = "198.51.100.7"
BOB = "203.0.113.9"


def login(client, password, forwarded=None):
    extra = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("login"), {"username": "worker", "password": password}, **extra)


def fail_until_locked(client, forwarded):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong-password", forwarded)


def request(forwarded=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# ---------------------------------------------------------------- the address itself


def test_the_default_trusts_no_proxy():
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert client_ip(request(f"{BOB}, {ALICE}")) == PROXY


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, ALICE, ALICE),
        (1, f"{BOB}, {ALICE}", ALICE),  # BOB is the client's own text
        (1, f"{BOB},{BOB}, {ALICE}", ALICE),
        (2, f"{ALICE}, 10.0.0.1", ALICE),  # two proxies: the second from the right
        (2, f"{BOB}, {ALICE}, 10.0.0.1", ALICE),
        (1, "2001:DB8:0:0::7", "2001:db8::7"),  # one spelling per address
        (1, None, PROXY),  # no header: straight from the proxy (a healthcheck)
        (2, ALICE, PROXY),  # fewer entries than proxies: not the trusted path
        (1, f"{BOB}, not-an-address", PROXY),
        (1, f"{BOB}, {ALICE}:8080", PROXY),
        (1, " , ", PROXY),
    ],
)
def test_the_client_is_the_nth_address_from_the_right(count, forwarded, expected):
    with override_settings(TRUSTED_PROXY_COUNT=count):
        assert client_ip(request(forwarded)) == expected


# ------------------------------------------------------------------ the lockout


def test_without_trusted_proxies_a_forged_header_changes_nothing(worker):
    """Each failure claims another address; all count against the proxy's."""
    client = Client()
    for number in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong-password", f"192.0.2.{number}")

    assert login(Client(), PASSWORD, "192.0.2.200").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_two_clients_are_counted_apart(worker):
    fail_until_locked(Client(), ALICE)

    assert login(Client(), PASSWORD, ALICE).status_code == 429
    assert login(Client(), PASSWORD, BOB).status_code == 302
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ALICE]


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_client_cannot_escape_its_lockout_by_prepending_addresses(worker):
    fail_until_locked(Client(), ALICE)

    assert login(Client(), PASSWORD, f"{BOB}, {ALICE}").status_code == 429
    assert login(Client(), PASSWORD, f"{BOB},{BOB}, {ALICE}").status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_client_cannot_lock_out_another_by_prepending_its_address(worker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), "wrong-password", f"{BOB}, {ALICE}")

    assert login(Client(), PASSWORD, BOB).status_code == 302


def test_a_negative_proxy_count_is_refused_with_a_clear_message():
    env = {**os.environ, "TRUSTED_PROXY_COUNT": "-1", "DATABASE_URL": ""}

    result = run(["-c", "import aidtracker.settings.base"], env)

    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be 0 or the number of reverse proxies" in result.stderr
