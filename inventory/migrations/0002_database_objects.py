"""Install the stock status view and the append-only triggers on Stock_Movements.

MySQL DDL is not transactional, so these objects live in a migration of their own.
The SQL text stays here, frozen with the migration.
"""

from django.db import migrations

from core.db.migrations import VendorRunSQL, drop_if_exists

CURRENT_INVENTORY_STATUS = """
CREATE VIEW vw_current_inventory_status AS
SELECT
    i.inventory_id,
    i.center_id,
    dc.center_name,
    i.package_id,
    ap.package_name,
    i.quantity_on_hand,
    i.reorder_level,
    CASE
        WHEN i.quantity_on_hand = 0 THEN 'OUT_OF_STOCK'
        WHEN i.quantity_on_hand <= i.reorder_level THEN 'LOW_STOCK'
        ELSE 'IN_STOCK'
    END AS stock_status
FROM Inventory i
JOIN Distribution_Centers dc ON i.center_id = dc.center_id
JOIN Aid_Packages ap ON i.package_id = ap.package_id
WHERE dc.status = 'active' AND ap.is_active = 1
"""

# Stock_Movements keeps every change forever. The one UPDATE allowed is the
# seed's ON DELETE SET NULL for a deleted staff member: staff_id goes to NULL
# and nothing else changes.
MYSQL_NO_UPDATE = """
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

MYSQL_NO_DELETE = """
CREATE TRIGGER trg_stock_movements_no_delete
BEFORE DELETE ON Stock_Movements
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Stock_Movements is append-only: rows cannot be deleted'
"""

SQLITE_NO_UPDATE = """
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

SQLITE_NO_DELETE = """
CREATE TRIGGER trg_stock_movements_no_delete
BEFORE DELETE ON Stock_Movements
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Stock_Movements is append-only: rows cannot be deleted');
END
"""


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
    ]

    operations = [
        VendorRunSQL(
            sql={"mysql": [CURRENT_INVENTORY_STATUS], "sqlite": [CURRENT_INVENTORY_STATUS]},
            reverse_sql=drop_if_exists("VIEW", "vw_current_inventory_status"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_NO_UPDATE], "sqlite": [SQLITE_NO_UPDATE]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_stock_movements_no_update"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_NO_DELETE], "sqlite": [SQLITE_NO_DELETE]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_stock_movements_no_delete"),
        ),
    ]
