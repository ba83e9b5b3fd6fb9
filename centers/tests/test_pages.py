"""The centers' pages and admin forms, as a phone shows them and in every language."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from core.tests.translations import translations

pytestmark = pytest.mark.django_db


def test_the_center_list_turns_into_labelled_cards_on_phones(client, worker, center):
    client.force_login(worker.user)
    html = client.get(reverse("centers:list")).content.decode()
    assert '<table class="table table-cards' in html
    assert "table-responsive" not in html
    cells = re.findall(r"<td[^>]*>", html)
    assert cells
    assert all("data-label=" in cell for cell in cells)


def test_a_center_s_phone_and_email_stay_left_to_right_and_the_phone_can_be_called(
    client, worker, center
):
    center.phone_number = "+962 7 9123 4567"
    center.email = "riverside@example.org"
    center.save()
    client.force_login(worker.user)
    page = client.get(
        reverse("centers:detail", args=[center.pk]), headers={"accept-language": "ar"}
    )
    html = page.content.decode()
    phone = '<bdi class="ltr" dir="ltr">+962 7 9123 4567</bdi>'
    assert f'<a href="tel:+962 7 9123 4567">{phone}</a>' in html
    assert '<bdi class="ltr" dir="ltr">riverside@example.org</bdi>' in html


def test_the_capacity_is_counted_in_the_reader_s_language(client, worker, center):
    french = {
        ("%(capacity)s household a day", 0): "%(capacity)s foyer par jour",
        ("%(capacity)s household a day", 1): "%(capacity)s foyers par jour",
    }
    client.force_login(worker.user)
    with translations("fr", french):
        html = client.get(
            reverse("centers:detail", args=[center.pk]), headers={"accept-language": "fr"}
        ).content.decode()
    assert "500 foyers par jour" in html


@pytest.mark.parametrize("model", ["distributioncenter", "staffmember"])
def test_admin_phone_inputs_bring_up_a_phone_keypad_without_autofill(client, admin_staff, model):
    client.force_login(admin_staff.user)
    html = client.get(reverse(f"admin:centers_{model}_add")).content.decode()
    phone = re.search(r'<input[^>]*name="phone_number"[^>]*>', html).group(0)
    assert 'inputmode="tel"' in phone
    assert 'autocomplete="off"' in phone


def test_the_lockout_page_says_how_long_in_minutes(client, manager):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "manager", "password": "nope"})
    assert response.status_code == 429
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert f"locked on this network for {minutes} minutes" in response.content.decode()
