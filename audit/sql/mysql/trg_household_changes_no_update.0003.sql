CREATE TRIGGER trg_household_changes_no_update
BEFORE UPDATE ON Household_Changes
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Household_Changes is append-only: rows cannot be updated';
