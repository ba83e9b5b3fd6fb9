"""Household pages beyond the permission matrix (aidtracker/tests/test_access.py)."""

import pytest

from households.tests.factories import HouseholdFactory
from reports.models import AccessLog

pytestmark = pytest.mark.django_db


def test_viewing_a_household_is_recorded_in_the_access_log(client, worker):
    household = HouseholdFactory()
    client.force_login(worker.user)
    assert client.get(household.get_absolute_url()).status_code == 200

    entry = AccessLog.objects.get()
    assert (entry.staff, entry.action, entry.object_id) == (
        worker,
        "view_household",
        str(household.pk),
    )
