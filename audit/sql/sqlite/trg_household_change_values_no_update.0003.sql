CREATE TRIGGER trg_household_change_values_no_update
BEFORE UPDATE ON Household_Change_Values
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Household_Change_Values is append-only: rows cannot be updated');
END;
