"""Make Access_Log append-only in the database: triggers refuse UPDATE and DELETE.

The one UPDATE allowed is ON DELETE SET NULL for a deleted staff member: staff_id
goes to NULL and nothing else changes (`staff_name` keeps who it was). MySQL DDL
is not transactional, so these objects live in a migration of their own; the SQL
text is frozen here.
"""

from django.db import migrations

from core.db.migrations import VendorRunSQL, drop_if_exists

MYSQL_NO_UPDATE = """
CREATE TRIGGER trg_access_log_no_update
BEFORE UPDATE ON Access_Log
FOR EACH ROW
BEGIN
    IF NOT (
        OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
        AND NEW.access_id <=> OLD.access_id
        AND NEW.staff_name <=> OLD.staff_name
        AND NEW.action <=> OLD.action
        AND NEW.target <=> OLD.target
        AND NEW.object_id <=> OLD.object_id
        AND NEW.export_format <=> OLD.export_format
        AND NEW.params <=> OLD.params
        AND NEW.row_count <=> OLD.row_count
        AND NEW.created_at <=> OLD.created_at
    ) THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'Access_Log is append-only: rows cannot be updated';
    END IF;
END
"""

MYSQL_NO_DELETE = """
CREATE TRIGGER trg_access_log_no_delete
BEFORE DELETE ON Access_Log
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Access_Log is append-only: rows cannot be deleted'
"""

SQLITE_NO_UPDATE = """
CREATE TRIGGER trg_access_log_no_update
BEFORE UPDATE ON Access_Log
FOR EACH ROW
WHEN NOT (
    OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
    AND NEW.access_id IS OLD.access_id
    AND NEW.staff_name IS OLD.staff_name
    AND NEW.action IS OLD.action
    AND NEW.target IS OLD.target
    AND NEW.object_id IS OLD.object_id
    AND NEW.export_format IS OLD.export_format
    AND NEW.params IS OLD.params
    AND NEW.row_count IS OLD.row_count
    AND NEW.created_at IS OLD.created_at
)
BEGIN
    SELECT RAISE(ABORT, 'Access_Log is append-only: rows cannot be updated');
END
"""

SQLITE_NO_DELETE = """
CREATE TRIGGER trg_access_log_no_delete
BEFORE DELETE ON Access_Log
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Access_Log is append-only: rows cannot be deleted');
END
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        VendorRunSQL(
            sql={"mysql": [MYSQL_NO_UPDATE], "sqlite": [SQLITE_NO_UPDATE]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_access_log_no_update"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_NO_DELETE], "sqlite": [SQLITE_NO_DELETE]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_access_log_no_delete"),
        ),
    ]
