"""The inventory app's panel on the center page (registered through core.hooks)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_center_page_shows_the_inventory_panel(client, portal):
    client.force_login(portal.staff["worker"].user)
    page = client.get(reverse("centers:detail", args=[portal.center.pk]))
    (panel,) = page.context["panels"]
    assert {row.package for row in panel.context["rows"]} == {
        portal.package,
        portal.other_package,
    }
    html = page.content.decode()
    assert html.index('<h2 class="h5">Stock</h2>') < html.index("Hygiene kit")
