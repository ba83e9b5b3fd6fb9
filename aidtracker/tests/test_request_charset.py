"""Requests in a charset other than UTF-8: the portal's 400 page, never a 500.

Every URL of the project (the walk of test_access.py) gets a POST from a client that
holds a CSRF cookie and sends the right token, anonymous and signed in, in each
hostile encoding; each answers 400 with the portal's page and changes nothing. The
WSGI and ASGI entry points are asked directly for what the test client cannot send:
a charset Python cannot decode text with, on a request with a query string.
"""

import asyncio
import io
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.urls import reverse

from aidtracker.tests.test_access import route_path, walked_routes
from aidtracker.tests.test_security_walk import csrf_client, some_post_data

pytestmark = pytest.mark.django_db

PAGE_TITLE = "<title>Bad request · AidTracker</title>"
FORM = "application/x-www-form-urlencoded"

# name -> (Content-Type, how the form's text becomes the body)
HOSTILE_BODIES = {
    "latin-1": (f"{FORM}; charset=latin-1", lambda text: text.encode("latin-1")),
    "latin-1, ascii only": (
        f"{FORM}; charset=ISO-8859-1",
        lambda text: text.encode("ascii", "replace"),
    ),
    "utf-16": (f"{FORM}; charset=utf-16", lambda text: text.encode("utf-16")),
    "unknown charset": (f"{FORM}; charset=no-such-charset", lambda text: text.encode()),
    "bytes codec": (f"{FORM}; charset=rot13", lambda text: text.encode()),
    "multipart, utf-16": (
        "multipart/form-data; boundary=BoUnDaRy; charset=utf-16",
        lambda text: text.encode(),
    ),
    "multipart, bytes codec": (
        "multipart/form-data; boundary=BoUnDaRy; charset=hex",
        lambda text: text.encode(),
    ),
    "no charset, latin-1 bytes": (FORM, lambda text: text.encode("latin-1")),
    "no charset, %-escaped latin-1": (
        FORM,
        lambda text: text.replace("ü", "%FC").encode("ascii"),
    ),
}


def csrf_token(client):
    client.get(reverse("login"))  # sets the CSRF cookie
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def form_text(data, token, content_type):
    """The form as text, with a name outside ASCII for the body's encoding to carry."""
    fields = {**data, "csrfmiddlewaretoken": token}
    if content_type.startswith("multipart/"):
        parts = [
            f'--BoUnDaRy\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in {**fields, "family_name": "Müller"}.items()
        ]
        return "".join(parts) + "--BoUnDaRy--\r\n"
    return f"{urlencode(fields)}&family_name=Müller"


@pytest.mark.parametrize("encoding", HOSTILE_BODIES)
@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_every_url_answers_400_to_a_form_not_in_utf8(portal, db_state, who, encoding):
    client = csrf_client(None if who == "anonymous" else portal.staff[who])
    content_type, encode = HOSTILE_BODIES[encoding]
    body = encode(form_text(some_post_data(portal), csrf_token(client), content_type))
    paths = {route.label: route_path(route) for route in walked_routes()}
    before = db_state()

    answers = {
        label: client.generic("POST", path, body, content_type=content_type)
        for label, path in paths.items()
    }

    assert {label: r.status_code for label, r in answers.items() if r.status_code != 400} == {}
    assert all(PAGE_TITLE in r.content.decode() for r in answers.values())
    assert db_state() == before


def test_the_400_page_gives_the_request_id(client):
    response = client.generic(
        "POST", reverse("login"), b"username=x", content_type=f"{FORM}; charset=latin-1"
    )
    assert response.status_code == 400
    assert response["X-Request-ID"] in response.content.decode()


def test_the_400_page_is_in_the_browser_s_language_though_refused_before_the_middleware(client):
    """The charset is refused before LocaleMiddleware has chosen a language."""
    response = client.generic(
        "POST",
        reverse("login"),
        b"username=x",
        content_type=f"{FORM}; charset=latin-1",
        headers={"accept-language": "ar"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert '<html lang="ar" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page
    assert f'<bdi class="ltr" dir="ltr">{response["X-Request-ID"]}</bdi>' in page
    english = client.generic(
        "POST", reverse("login"), b"username=x", content_type=f"{FORM}; charset=latin-1"
    )
    assert '<html lang="en" dir="ltr">' in english.content.decode()


@pytest.mark.parametrize("charset", [None, "utf-8", "UTF-8", "utf8", "utf_8"])
def test_a_form_in_utf8_still_goes_through(portal, charset):
    """The refusals above are the charset's doing: in UTF-8, however spelled, it works."""
    client = csrf_client(portal.staff["worker"])
    page = client.get(reverse("distribution:new"))
    data = {
        "household": portal.household.pk,
        "package": portal.package.pk,
        "quantity": 1,
        "token": page.context["form"]["token"].value(),
        "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value,
    }
    content_type = FORM if charset is None else f"{FORM}; charset={charset}"
    response = client.generic(
        "POST", reverse("distribution:new"), urlencode(data), content_type=content_type
    )
    assert response.status_code == 302


def test_a_utf8_sign_in_with_non_ascii_text_is_read_correctly(portal):
    client = csrf_client()
    data = {"username": "wörker", "password": "x", "csrfmiddlewaretoken": csrf_token(client)}
    response = client.generic(
        "POST", reverse("login"), urlencode(data), content_type=f"{FORM}; charset=utf-8"
    )
    assert response.status_code == 200
    assert response.context["form"]["username"].value() == "wörker"


# ------------------------------------------- the entry points, before the test client

# Charsets Python knows but cannot decode text with, or that fail with an error other
# than UnicodeDecodeError: Django raised while building the request.
UNDECODABLE_CHARSETS = ["rot13", "base64", "hex", "punycode", "latin-1"]


def wsgi_status(path, query, content_type):
    from aidtracker.wsgi import application

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": "0",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
    }
    started = []
    body = b"".join(application(environ, lambda status, headers: started.append(status)))
    return int(started[0].split()[0]), body.decode()


def asgi_status(path, query, content_type):
    from aidtracker.asgi import application

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "scheme": "http",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), (b"content-type", content_type.encode())],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    sent, incoming = [], [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if incoming:
            return incoming.pop()
        await asyncio.Event().wait()  # no disconnect: Django stops listening once it answers

    async def send(message):
        sent.append(message)

    async_to_sync(application)(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body.decode()


@pytest.mark.parametrize("entry_point", [wsgi_status, asgi_status])
@pytest.mark.parametrize("charset", UNDECODABLE_CHARSETS)
def test_entry_points_answer_400_to_a_charset_they_cannot_decode_with(entry_point, charset):
    status, page = entry_point(
        reverse("login"), "next=/" + "a" * 80, f"text/plain; charset={charset}"
    )
    assert status == 400
    assert PAGE_TITLE in page


@pytest.mark.parametrize("entry_point", [wsgi_status, asgi_status])
def test_entry_points_still_read_utf8(entry_point):
    status, page = entry_point(reverse("login"), "next=/caf%C3%A9", "text/plain; charset=UTF8")
    assert status == 200
    assert '<input type="hidden" name="next" value="/café">' in page
