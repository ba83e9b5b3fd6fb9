CREATE TRIGGER trg_distribution_log_no_update
BEFORE UPDATE ON Distribution_Log
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Distribution_Log is append-only: rows cannot be updated';
