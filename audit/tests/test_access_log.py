"""The access log is append-only in the database, and read-only in the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import translation

from audit.models import AccessLog
from audit.services import record_access
from core.tests.translations import translations, with_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(manager):
    return record_access(
        staff=manager,
        action=AccessLog.Action.EXPORT,
        target="monthly",
        export_format="csv",
        params={"month_from": "2025-01"},
        row_count=3,
    )


def test_record_access_keeps_who_did_what(entry, manager):
    entry.refresh_from_db()
    assert entry.staff == manager
    assert entry.staff_name == f"{manager.full_name} (Manager)"
    assert entry.params == {"month_from": "2025-01"}
    assert entry.created_at is not None


def test_record_access_needs_a_staff_member_and_a_known_action(manager):
    with pytest.raises(ValidationError):
        record_access(staff=None, action="export", target="monthly")
    with pytest.raises(ValidationError):
        record_access(staff=manager, action="delete_everything", target="monthly")
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE Access_Log SET target = 'stock' WHERE access_id = %s",
        "UPDATE Access_Log SET staff_id = NULL, target = 'stock' WHERE access_id = %s",
        "UPDATE Access_Log SET staff_id = NULL WHERE access_id = %s",
        "DELETE FROM Access_Log WHERE access_id = %s",
    ],
)
def test_the_database_refuses_updates_and_deletes(entry, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [entry.pk])
    entry.refresh_from_db()
    assert entry.target == "monthly"


def test_a_staff_member_with_entries_cannot_be_deleted(entry, manager):
    with pytest.raises(ProtectedError), transaction.atomic():
        manager.delete()
    entry.refresh_from_db()
    assert entry.staff == manager


def test_the_admin_lists_entries_but_offers_no_changes(client, admin_staff, entry):
    client.force_login(admin_staff.user)
    assert client.get(reverse("admin:audit_accesslog_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_accesslog_add")).status_code == 403
    change = client.get(reverse("admin:audit_accesslog_change", args=[entry.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content


def test_who_acted_is_stored_in_the_source_language_whatever_they_read(manager):
    french = {with_context("staff role", "Manager"): "Responsable"}
    with translations("fr", french), translation.override("fr"):
        assert manager.get_role_display() == "Responsable"
        entry = record_access(staff=manager, action=AccessLog.Action.EXPORT, target="stock")
    entry.refresh_from_db()
    assert entry.staff_name == f"{manager.full_name} (Manager)"


def test_what_was_exported_is_named_in_the_reader_s_language(client, admin_staff, entry):
    french = {"monthly summary report": "rapport mensuel"}
    with translations("fr", french):
        assert entry.target_label == "monthly summary report"
        client.force_login(admin_staff.user)
        page = client.get(
            reverse("admin:audit_accesslog_changelist"), headers={"accept-language": "fr"}
        )
    assert "rapport mensuel" in page.content.decode()
    unknown = record_access(staff=admin_staff, action=AccessLog.Action.EXPORT, target="new one")
    assert unknown.target_label == "new one"  # a target no label names yet shows as stored
