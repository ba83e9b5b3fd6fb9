CREATE TRIGGER trg_distribution_log_no_update
BEFORE UPDATE ON Distribution_Log
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Distribution_Log is append-only: rows cannot be updated');
END;
