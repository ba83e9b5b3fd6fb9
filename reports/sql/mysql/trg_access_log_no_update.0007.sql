CREATE TRIGGER trg_access_log_no_update
BEFORE UPDATE ON Access_Log
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Access_Log is append-only: rows cannot be updated';
