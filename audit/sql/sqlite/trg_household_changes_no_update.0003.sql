CREATE TRIGGER trg_household_changes_no_update
BEFORE UPDATE ON Household_Changes
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Household_Changes is append-only: rows cannot be updated');
END;
