CREATE TRIGGER trg_stock_transfer_lots_no_delete
BEFORE DELETE ON Stock_Transfer_Lots
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Stock_Transfer_Lots is append-only: rows cannot be deleted';
