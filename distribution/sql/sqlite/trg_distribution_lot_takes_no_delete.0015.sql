CREATE TRIGGER trg_distribution_lot_takes_no_delete
BEFORE DELETE ON Distribution_Lot_Takes
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Distribution_Lot_Takes is append-only: rows cannot be deleted');
END;
