CREATE TRIGGER trg_household_change_values_no_update
BEFORE UPDATE ON Household_Change_Values
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Household_Change_Values is append-only: rows cannot be updated';
