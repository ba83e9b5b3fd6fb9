"""Refuse every UPDATE of Access_Log, including setting staff_id to NULL.

The first trigger let one UPDATE through: staff_id set to NULL with nothing else
changing, for a deleted staff member (staff_name kept who it was). Staff members
with history can no longer be deleted (they are deactivated instead), so the audit
rows always name who acted, and no UPDATE is needed any more.
"""

import django.db.models.deletion
from django.db import migrations, models

from core.db.migrations import VendorRunSQL

DROP = "DROP TRIGGER IF EXISTS trg_access_log_no_update"

MYSQL_NO_UPDATE = """
CREATE TRIGGER trg_access_log_no_update
BEFORE UPDATE ON Access_Log
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Access_Log is append-only: rows cannot be updated'
"""

SQLITE_NO_UPDATE = """
CREATE TRIGGER trg_access_log_no_update
BEFORE UPDATE ON Access_Log
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Access_Log is append-only: rows cannot be updated');
END
"""

# The trigger this replaces, for unapplying the migration.
PREVIOUS_MYSQL_NO_UPDATE = """
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

PREVIOUS_SQLITE_NO_UPDATE = """
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


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_recreate_rollup_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accesslog",
            name="staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="access_logs",
                to="centers.staffmember",
            ),
        ),
        VendorRunSQL(
            sql={"mysql": [DROP, MYSQL_NO_UPDATE], "sqlite": [DROP, SQLITE_NO_UPDATE]},
            reverse_sql={
                "mysql": [DROP, PREVIOUS_MYSQL_NO_UPDATE],
                "sqlite": [DROP, PREVIOUS_SQLITE_NO_UPDATE],
            },
        ),
    ]
