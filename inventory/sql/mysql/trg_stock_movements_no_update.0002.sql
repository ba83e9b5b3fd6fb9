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
END;
