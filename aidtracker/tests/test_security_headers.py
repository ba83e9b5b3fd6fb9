"""Security headers on every page, and pages that satisfy their own policy."""

import re

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    ["home", "households:list", "distribution:new", "distribution:log", "inventory:stock"],
)
def test_pages_send_security_headers_and_have_no_inline_code(client, admin_staff, url_name):
    client.force_login(admin_staff.user)
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    page = response.content.decode()
    # Every <script> loads a file or carries JSON data; none runs inline code.
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", page), "inline event handler"
    assert not re.search(r"<[^>]+\sstyle\s*=", page), "inline style attribute"
    assert "<style" not in page


def test_login_page_is_covered_too(client):
    response = client.get(reverse("login"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
