CREATE TRIGGER trg_stock_transfer_lots_no_delete
BEFORE DELETE ON Stock_Transfer_Lots
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Stock_Transfer_Lots is append-only: rows cannot be deleted');
END;
