CREATE TRIGGER trg_household_change_values_no_delete
BEFORE DELETE ON Household_Change_Values
FOR EACH ROW
WHEN NOT EXISTS (
    SELECT 1 FROM Households h
     WHERE h.household_id = OLD.household_id AND h.anonymised_at IS NOT NULL
)
BEGIN
    SELECT RAISE(ABORT, 'Household_Change_Values is append-only: rows cannot be deleted until their household is anonymised');
END;
