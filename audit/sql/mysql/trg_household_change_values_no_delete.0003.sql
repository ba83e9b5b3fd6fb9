CREATE TRIGGER trg_household_change_values_no_delete
BEFORE DELETE ON Household_Change_Values
FOR EACH ROW
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM Households h
         WHERE h.household_id = OLD.household_id AND h.anonymised_at IS NOT NULL
    ) THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'Household_Change_Values is append-only: rows cannot be deleted until their household is anonymised';
    END IF;
END;
