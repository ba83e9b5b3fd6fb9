CREATE TRIGGER trg_household_changes_no_delete
BEFORE DELETE ON Household_Changes
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Household_Changes is append-only: rows cannot be deleted');
END;
