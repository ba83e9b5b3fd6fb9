"""Refuse every UPDATE of Stock_Movements, including setting staff_id to NULL.

The first trigger let one UPDATE through: staff_id set to NULL with nothing else
changing, the seed's ON DELETE SET NULL for a deleted staff member. Staff members
with history can no longer be deleted (they are deactivated instead), so the audit
rows always name who acted, and no UPDATE is needed any more.
"""

import django.db.models.deletion
from django.db import migrations, models

from core.db.migrations import VendorRunSQL

DROP = "DROP TRIGGER IF EXISTS trg_stock_movements_no_update"

MYSQL_NO_UPDATE = """
CREATE TRIGGER trg_stock_movements_no_update
BEFORE UPDATE ON Stock_Movements
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Stock_Movements is append-only: rows cannot be updated'
"""

SQLITE_NO_UPDATE = """
CREATE TRIGGER trg_stock_movements_no_update
BEFORE UPDATE ON Stock_Movements
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Stock_Movements is append-only: rows cannot be updated');
END
"""

# The trigger this replaces, for unapplying the migration.
PREVIOUS_MYSQL_NO_UPDATE = """
CREATE TRIGGER trg_stock_movements_no_update
BEFORE UPDATE ON Stock_Movements
FOR EACH ROW
BEGIN
    IF NOT (
        OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
        AND NEW.movement_id <=> OLD.movement_id
        AND NEW.inventory_id <=> OLD.inventory_id
        AND NEW.kind <=> OLD.kind
        AND NEW.reason <=> OLD.reason
        AND NEW.quantity_change <=> OLD.quantity_change
        AND NEW.quantity_after <=> OLD.quantity_after
        AND NEW.notes <=> OLD.notes
        AND NEW.created_at <=> OLD.created_at
    ) THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'Stock_Movements is append-only: rows cannot be updated';
    END IF;
END
"""

PREVIOUS_SQLITE_NO_UPDATE = """
CREATE TRIGGER trg_stock_movements_no_update
BEFORE UPDATE ON Stock_Movements
FOR EACH ROW
WHEN NOT (
    OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
    AND NEW.movement_id IS OLD.movement_id
    AND NEW.inventory_id IS OLD.inventory_id
    AND NEW.kind IS OLD.kind
    AND NEW.reason IS OLD.reason
    AND NEW.quantity_change IS OLD.quantity_change
    AND NEW.quantity_after IS OLD.quantity_after
    AND NEW.notes IS OLD.notes
    AND NEW.created_at IS OLD.created_at
)
BEGIN
    SELECT RAISE(ABORT, 'Stock_Movements is append-only: rows cannot be updated');
END
"""


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0005_validity_period_cap"),
    ]

    operations = [
        migrations.AlterField(
            model_name="stockmovement",
            name="staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stock_movements",
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
