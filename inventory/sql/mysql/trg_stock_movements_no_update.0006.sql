CREATE TRIGGER trg_stock_movements_no_update
BEFORE UPDATE ON Stock_Movements
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Stock_Movements is append-only: rows cannot be updated';
