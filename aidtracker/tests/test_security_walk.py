"""Security checks over every URL of the project, not a sample of them.

* CSRF: a POST to any URL (portal, admin, login, logout) without a CSRF token, or with
  a wrong one, is refused with 403 and changes nothing; no view is csrf_exempt.
* Content-Security-Policy: every page an admin can open (the portal's and Django
  admin's) satisfies the policy it is sent with: no inline script, no inline event
  handler, no inline style, and the policy itself allows none.
* Production settings behind TLS: HSTS, nosniff, Referrer-Policy, CSP and
  X-Frame-Options on the response, secure cookies, and plain http redirected to https.
* Login lockout (django-axes): per username *and* address, and lifted after the
  cool-off time.

The URL walk (routes, and their path parameters filled with real ids) is
aidtracker/tests/test_access.py's.
"""

import datetime
import json
import re
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client
from django.urls import reverse

from aidtracker.tests.test_access import route_path, walked_routes
from aidtracker.tests.test_settings import production_env, real_secret_key

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
CSRF_COOKIE = settings.CSRF_COOKIE_NAME


def csrf_client(staff=None):
    client = Client(enforce_csrf_checks=True)
    if staff is not None:
        client.force_login(staff.user)
    return client


def some_post_data(portal):
    """Fields that would make most of the portal's forms valid, had the token been there."""
    return {
        "household": portal.household.pk,
        "package": portal.package.pk,
        "quantity": 1,
        "center": portal.center.pk,
        "reason": "Entered twice",
        "delta": -1,
        "reorder_level": 3,
        "status": "suspended",
        "username": "worker",
        "password": PASSWORD,
    }


# ------------------------------------------------------------------------------ CSRF


def test_no_view_is_csrf_exempt():
    exempt = [
        route.label for route in walked_routes() if getattr(route.callback, "csrf_exempt", False)
    ]
    assert exempt == []


@pytest.mark.parametrize("who", ["anonymous", "admin", "manager"])
def test_every_url_refuses_a_post_without_a_csrf_token(portal, db_state, who):
    client = csrf_client(None if who == "anonymous" else portal.staff[who])
    data = some_post_data(portal)
    before = db_state()

    answers = {route.label: client.post(route_path(route), data) for route in walked_routes()}

    assert {label: r.status_code for label, r in answers.items() if r.status_code != 403} == {}
    assert all("CSRF" in r.content.decode() for r in answers.values())
    assert db_state() == before


def test_every_url_refuses_a_post_with_a_wrong_csrf_token(portal, db_state):
    client = csrf_client(portal.staff["admin"])
    client.get(reverse("distribution:new"))  # sets the CSRF cookie
    assert client.cookies[CSRF_COOKIE].value
    data = {**some_post_data(portal), "csrfmiddlewaretoken": "x" * 64}
    before = db_state()

    statuses = {
        route.label: client.post(route_path(route), data).status_code for route in walked_routes()
    }

    assert {label: status for label, status in statuses.items() if status != 403} == {}
    assert db_state() == before


def test_the_same_post_with_its_token_goes_through(portal):
    """The refusals above are the token's doing: with it, the form is processed."""
    client = csrf_client(portal.staff["worker"])
    page = client.get(reverse("distribution:new"))
    data = {
        "household": portal.household.pk,
        "package": portal.package.pk,
        "quantity": 1,
        "token": page.context["form"]["token"].value(),
        "csrfmiddlewaretoken": client.cookies[CSRF_COOKIE].value,
    }
    assert client.post(reverse("distribution:new"), data).status_code == 302


# ------------------------------------------------------------- Content-Security-Policy

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def csp_problems(page):
    problems = []
    for tag in re.findall(r"<script\b[^>]*>", page, re.IGNORECASE):
        if "src=" not in tag and 'type="application/json"' not in tag:
            problems.append(f"inline script {tag}")
    if INLINE_HANDLER.search(page):
        problems.append(f"inline event handler {INLINE_HANDLER.search(page).group(0)[:80]}")
    if INLINE_STYLE.search(page):
        problems.append(f"inline style attribute {INLINE_STYLE.search(page).group(0)[:80]}")
    if re.search(r"<style\b", page, re.IGNORECASE):
        problems.append("<style> block")
    if JAVASCRIPT_URL.search(page):
        problems.append("javascript: URL")
    return problems


def test_every_page_satisfies_its_content_security_policy(client, portal):
    client.force_login(portal.staff["admin"].user)
    checked, problems = 0, {}
    for route in walked_routes():
        response = client.get(route_path(route))
        policy = response.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy, route.label
        assert "style-src 'self'" in policy, route.label
        assert "unsafe-inline" not in policy, route.label
        assert "unsafe-eval" not in policy, route.label
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        found = csp_problems(response.content.decode())
        if found:
            problems[route.label] = found
    assert problems == {}
    assert checked > 40  # the portal's pages and the admin's changelists, forms, histories


# ------------------------------------------------------ production settings behind TLS

HEADERS_SCRIPT = """
import json
import django
django.setup()
from django.test import Client

client = Client()
answers = {}
secure = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="aid.example.org")
answers["https"] = {"status": secure.status_code, "headers": dict(secure.headers)}
plain = client.get("/accounts/login/", HTTP_HOST="aid.example.org")
answers["http"] = {"status": plain.status_code, "location": plain.get("Location", "")}
from django.conf import settings
answers["settings"] = {
    name: getattr(settings, name)
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY")
}
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def production_answers():
    env = production_env(SECRET_KEY=real_secret_key(), ALLOWED_HOSTS="aid.example.org")
    env["DATABASE_URL"] = ""  # /healthz and the redirect need no database
    done = subprocess.run(
        [sys.executable, "-c", HEADERS_SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_and_the_security_headers_behind_tls(production_answers):
    https = production_answers["https"]
    assert https["status"] == 200
    headers = https["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "camera=(self)" in headers["Permissions-Policy"]  # card scanning, this site only
    assert "microphone=()" in headers["Permissions-Policy"]


def test_production_redirects_plain_http_and_marks_cookies_secure(production_answers):
    assert production_answers["http"]["status"] == 301
    assert production_answers["http"]["location"] == "https://aid.example.org/accounts/login/"
    assert production_answers["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
    }


# ---------------------------------------------------------------------- login lockout


def login(client, username, password=PASSWORD, address="203.0.113.5"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_lockout_is_per_username_and_address(client, worker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "worker", "wrong-password")
    assert login(client, "worker").status_code == 429  # locked here, even with the password

    elsewhere = Client()
    assert login(elsewhere, "worker", address="198.51.100.7").status_code == 302


def test_lockout_ends_after_the_cool_off_time(client, worker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "worker", "wrong-password")
    assert login(client, "worker").status_code == 429

    # The cool-off time passes: the failures recorded are that much older.
    cool_off = datetime.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - cool_off)
    assert login(client, "worker").status_code == 302


# ------------------------------------------------------------ volunteer phone masking

# The household's number (+1 312 555 0142) in any spelling: only its last two digits
# may reach a volunteer.
PHONE = re.compile(r"312\W{0,3}555\W{0,3}0142|555\W{0,3}0142|3125550142")


def test_no_page_shows_a_volunteer_a_whole_phone_number(client, portal):
    client.force_login(portal.staff["volunteer"].user)
    household = portal.household.pk
    extra = {  # pages that list or pick households, asked for this one (by name: a number
        # typed in the search box is shown back in it, and is the volunteer's own input)
        "households:list": {"q": "Okafor"},
        "distribution:household_picker": {"household_query": "Okafor"},
        "distribution:new": {"household": household},
        "distribution:check": {"household": household, "package": portal.package.pk},
    }
    shown = []
    for route in walked_routes():
        if route.top_namespace == "admin":
            continue  # volunteers do not get into the admin (test_admin.py)
        response = client.get(route_path(route), extra.get(route.label, {}))
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            shown.append(route.label)
            page = response.content.decode()
            assert not PHONE.search(page), route.label
    assert {"households:detail", "households:list", "distribution:household_picker"} <= set(shown)
    detail = client.get(reverse("households:detail", args=[household])).content.decode()
    assert re.search(r"•{6,}42", detail)  # masked, not missing
