CREATE TRIGGER trg_stock_movements_no_delete
BEFORE DELETE ON Stock_Movements
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Stock_Movements is append-only: rows cannot be deleted');
END;
