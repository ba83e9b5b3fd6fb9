CREATE TRIGGER trg_distribution_lot_takes_no_delete
BEFORE DELETE ON Distribution_Lot_Takes
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Distribution_Lot_Takes is append-only: rows cannot be deleted';
