"""Refuse every UPDATE of Distribution_Log, including setting staff_id to NULL.

The first trigger let one UPDATE through: staff_id set to NULL with nothing else
changing, the seed's ON DELETE SET NULL for a deleted staff member. Staff members
with history can no longer be deleted (they are deactivated instead), so the audit
rows always name who acted, and no UPDATE is needed any more.
"""

import django.db.models.deletion
from django.db import migrations, models

from core.db.migrations import VendorRunSQL

DROP = "DROP TRIGGER IF EXISTS trg_distribution_log_no_update"

MYSQL_NO_UPDATE = """
CREATE TRIGGER trg_distribution_log_no_update
BEFORE UPDATE ON Distribution_Log
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Distribution_Log is append-only: rows cannot be updated'
"""

SQLITE_NO_UPDATE = """
CREATE TRIGGER trg_distribution_log_no_update
BEFORE UPDATE ON Distribution_Log
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Distribution_Log is append-only: rows cannot be updated');
END
"""

# The trigger this replaces, for unapplying the migration.
PREVIOUS_MYSQL_NO_UPDATE = """
CREATE TRIGGER trg_distribution_log_no_update
BEFORE UPDATE ON Distribution_Log
FOR EACH ROW
BEGIN
    IF NOT (
        OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
        AND NEW.log_id <=> OLD.log_id
        AND NEW.household_id <=> OLD.household_id
        AND NEW.package_id <=> OLD.package_id
        AND NEW.center_id <=> OLD.center_id
        AND NEW.quantity_distributed <=> OLD.quantity_distributed
        AND NEW.distribution_date <=> OLD.distribution_date
        AND NEW.transaction_status <=> OLD.transaction_status
        AND NEW.failure_reason <=> OLD.failure_reason
        AND NEW.failure_code <=> OLD.failure_code
        AND NEW.notes <=> OLD.notes
        AND NEW.voided_log_id <=> OLD.voided_log_id
    ) THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'Distribution_Log is append-only: rows cannot be updated';
    END IF;
END
"""

PREVIOUS_SQLITE_NO_UPDATE = """
CREATE TRIGGER trg_distribution_log_no_update
BEFORE UPDATE ON Distribution_Log
FOR EACH ROW
WHEN NOT (
    OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
    AND NEW.log_id IS OLD.log_id
    AND NEW.household_id IS OLD.household_id
    AND NEW.package_id IS OLD.package_id
    AND NEW.center_id IS OLD.center_id
    AND NEW.quantity_distributed IS OLD.quantity_distributed
    AND NEW.distribution_date IS OLD.distribution_date
    AND NEW.transaction_status IS OLD.transaction_status
    AND NEW.failure_reason IS OLD.failure_reason
    AND NEW.failure_code IS OLD.failure_code
    AND NEW.notes IS OLD.notes
    AND NEW.voided_log_id IS OLD.voided_log_id
)
BEGIN
    SELECT RAISE(ABORT, 'Distribution_Log is append-only: rows cannot be updated');
END
"""


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0004_exact_enum_checks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="distributionlog",
            name="staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="distribution_logs",
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
