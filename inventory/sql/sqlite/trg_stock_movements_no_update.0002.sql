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
END;
