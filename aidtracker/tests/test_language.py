"""Choosing the portal's language: browser, cookie, the staff record, and refusals."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def html_tag(response):
    content = response.content.decode()
    return content[content.index("<html") : content.index(">", content.index("<html")) + 1]


def sign_in(client, staff):
    client.force_login(staff.user)


def test_a_signed_out_visitor_gets_the_browsers_language_right_to_left(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ar,en;q=0.5")
    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    assert "bootstrap.rtl.min.css" in response.content.decode()


def test_an_unoffered_browser_language_falls_back_to_english(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de")
    assert html_tag(response) == '<html lang="en" dir="ltr">'
    assert "bootstrap.min.css" in response.content.decode()


def test_the_login_pages_choice_is_kept_in_a_cookie(client):
    response = client.post(reverse("choose_language"), {"language": "fr", "next": reverse("login")})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es")
    assert html_tag(page) == '<html lang="fr" dir="ltr">'


def test_a_staff_members_choice_is_stored_and_beats_the_browser(client, worker):
    sign_in(client, worker)
    client.post(reverse("choose_language"), {"language": "es", "next": "/"})
    worker.refresh_from_db()
    assert worker.language == "es"
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ar")
    assert html_tag(page) == '<html lang="es" dir="ltr">'


def test_following_the_browser_again_clears_the_preference(client, worker):
    worker.language = "fr"
    worker.save()
    sign_in(client, worker)
    client.post(reverse("choose_language"), {"language": "", "next": "/"})
    worker.refresh_from_db()
    assert worker.language == ""
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ar")
    assert html_tag(page) == '<html lang="ar" dir="rtl">'


@pytest.mark.parametrize("code", ["de", "xx-evil", "ar'; --", "e" * 200])
def test_a_language_not_offered_is_refused_and_changes_nothing(client, worker, code):
    sign_in(client, worker)
    response = client.post(reverse("choose_language"), {"language": code, "next": "/"}, follow=True)
    assert response.status_code == 200
    assert "That language is not offered." in response.content.decode()
    worker.refresh_from_db()
    assert worker.language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_an_outside_next_address_goes_home_instead(client):
    response = client.post(
        reverse("choose_language"), {"language": "fr", "next": "https://example.org/"}
    )
    assert response["Location"] == reverse("home")


def test_get_is_not_allowed(client):
    assert client.get(reverse("choose_language")).status_code == 405


def test_the_header_shows_the_language_in_use(client, worker):
    worker.language = "ar"
    worker.save()
    sign_in(client, worker)
    content = client.get(reverse("home")).content.decode()
    assert '<option value="ar" lang="ar" selected>العربية</option>' in content
