"""The distribution app's panel on the household page (registered through core.hooks)."""

import pytest
from django.urls import reverse

from core import hooks
from distribution.panels import eligibility_and_history

pytestmark = pytest.mark.django_db


def test_the_panel_is_registered_for_household_pages():
    assert eligibility_and_history in hooks.registered(hooks.HOUSEHOLD_PANELS)


def test_the_household_page_shows_eligibility_and_history(client, portal):
    client.force_login(portal.staff["worker"].user)
    page = client.get(reverse("households:detail", args=[portal.served.pk]))
    html = page.content.decode()

    (panel,) = page.context["panels"]
    eligibility = {row.package: row.eligible for row in panel.context["eligibility"]}
    assert eligibility == {portal.package: False, portal.other_package: True}
    assert [log.pk for log in panel.context["history"]] == [portal.log.pk]
    assert html.index("Eligibility") < html.index("Distribution history")
    assert f'<td data-label="Log #">{portal.log.pk}</td>' in html
    assert "Food basket" in html


def test_a_household_never_served_has_an_empty_history(client, portal):
    client.force_login(portal.staff["volunteer"].user)
    html = client.get(reverse("households:detail", args=[portal.household.pk])).content.decode()
    assert "No distributions yet." in html
