CREATE TRIGGER trg_distribution_log_no_delete
BEFORE DELETE ON Distribution_Log
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Distribution_Log is append-only: rows cannot be deleted');
END;
