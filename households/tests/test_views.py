"""Household pages beyond the permission matrix (aidtracker/tests/test_permission_matrix.py)."""

import pytest

from audit.models import AccessLog
from households.tests.factories import HouseholdFactory

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


def test_opening_the_edit_form_is_recorded_too(client, worker):
    """The edit form shows the same personal details as the profile."""
    household = HouseholdFactory()
    client.force_login(worker.user)
    assert client.get(f"/households/{household.pk}/edit/").status_code == 200

    entry = AccessLog.objects.get()
    assert (entry.staff, entry.target, entry.object_id) == (
        worker,
        "household edit",
        str(household.pk),
    )


def test_opening_a_household_in_admin_is_recorded(client, manager):
    household = HouseholdFactory()
    client.force_login(manager.user)
    url = f"/admin/households/household/{household.pk}/change/"
    assert client.get(url).status_code == 200

    entry = AccessLog.objects.get()
    assert (entry.staff, entry.action, entry.target, entry.object_id) == (
        manager,
        "view_household",
        "household (admin)",
        str(household.pk),
    )


def test_a_missing_household_records_nothing(client, worker):
    client.force_login(worker.user)
    assert client.get("/households/999999/").status_code == 404
    assert not AccessLog.objects.exists()
