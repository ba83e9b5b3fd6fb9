"""The admin-only System status page."""

import re
import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse

from aidtracker.status import system_status
from households.models import Household
from households.tests.factories import HouseholdFactory
from inventory.tests.factories import InventoryFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"), [("manager", 403), ("worker", 403), ("admin_staff", 200)]
)
def test_only_admins_see_system_status(client, request, role, status):
    client.force_login(request.getfixturevalue(role).user)
    assert client.get(reverse("system_status")).status_code == status


@pytest.mark.django_db
def test_status_page_reports_database_backup_and_invariant(client, admin_staff, tmp_path, settings):
    settings.BACKUP_DIR = tmp_path
    InventoryFactory(quantity_on_hand=3)  # stock that no movement explains
    client.force_login(admin_staff.user)

    page = client.get(reverse("system_status")).content.decode()

    assert "Distribution_Log" in page
    assert "1 of 1 rows does not balance" in page
    assert "none found" in page
    # Phone-first: the tables turn into cards of labelled values on a small screen.
    assert page.count('<table class="table table-cards') == 1  # tables (no lock waits here)
    assert all("data-label=" in cell for cell in re.findall(r"<td[^>]*>", page))


@pytest.mark.mysql(reason="SQLite has no lock tables.")
@pytest.mark.django_db(transaction=True)
def test_status_shows_who_waits_on_whom():
    household = HouseholdFactory()
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                Household.objects.select_for_update().get(pk=household.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def wait_for_lock():
        try:
            holding.wait(timeout=30)
            Household.objects.filter(pk=household.pk).update(notes="waited")
        finally:
            connection.close()

    threads = [threading.Thread(target=hold_lock), threading.Thread(target=wait_for_lock)]
    for thread in threads:
        thread.start()
    try:
        waits = []
        # The waiter needs a moment to reach the lock. MariaDB refreshes its lock tables
        # only when they were not read for 0.1 s, so poll slower than that; bounded.
        for _ in range(100):
            waits = system_status().lock_waits
            if waits:
                break
            time.sleep(0.2)
        assert len(waits) == 1
        assert "UPDATE" in waits[0]["waiting_query"]
        assert waits[0]["blocking_thread"] != waits[0]["waiting_thread"]
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=30)
